package dev.harvest.outbox.autoconfigure;

import javax.sql.DataSource;

import io.micrometer.tracing.Tracer;
import org.apache.kafka.common.serialization.Serializer;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;

import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.stash.HeaderContributor;
import dev.harvest.outbox.stash.JdbcOutboxStasher;
import dev.harvest.outbox.stash.TracingHeaders;

/**
 * Registers the {@link OutboxStasher}, which writes outbox rows through the application's
 * transaction-bound connection; it is available whether or not the harvester runs here.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSingleCandidate(DataSource.class)
class OutboxStasherConfiguration {

	/** Name of an optional {@code Serializer} bean used for values that are not bytes or text. */
	static final String VALUE_SERIALIZER_BEAN = "harvestValueSerializer";

	@Bean
	@ConditionalOnMissingBean(OutboxStasher.class)
	@SuppressWarnings("unchecked")
	JdbcOutboxStasher outboxStasher(DataSource dataSource, OutboxTable outboxTable, HarvestProperties properties,
			@Qualifier(VALUE_SERIALIZER_BEAN) ObjectProvider<Serializer<?>> valueSerializer,
			ObjectProvider<HeaderContributor> headerContributors, ObjectProvider<JsonMapper> jsonMapper) {
		JdbcOutboxStasher.Builder builder = JdbcOutboxStasher.builder(dataSource)
			.table(outboxTable)
			.requireTransaction(properties.getStasher().isRequireTransaction())
			.notifyHarvester(properties.getStasher().isNotify());
		Serializer<?> serializer = valueSerializer.getIfAvailable();
		if (serializer != null) {
			builder.valueSerializer((Serializer<Object>) serializer);
		}
		else {
			// JSON with the application's own Jackson settings when Boot has configured a mapper.
			jsonMapper.ifAvailable((mapper) -> builder.valueSerializer(new JacksonJsonSerializer<>(mapper)));
		}
		headerContributors.orderedStream().forEach(builder::headerContributor);
		return builder.build();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Tracer.class)
	static class TracingHeadersConfiguration {

		@Bean
		@ConditionalOnBean(Tracer.class)
		@ConditionalOnMissingBean
		TracingHeaders harvestTracingHeaders(Tracer tracer) {
			return new TracingHeaders(tracer);
		}

	}

}
