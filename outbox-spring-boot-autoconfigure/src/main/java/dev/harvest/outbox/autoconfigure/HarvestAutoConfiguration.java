package dev.harvest.outbox.autoconfigure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.ProducerConfig;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

import dev.harvest.outbox.backlog.BacklogSettings;
import dev.harvest.outbox.harvest.Config;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.QuarantineActions;
import dev.harvest.outbox.harvest.RetryPolicy;
import dev.harvest.outbox.jdbc.JdbcQuarantineStore;
import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.jdbc.QuarantineStore;
import dev.harvest.outbox.neli.LeaderTopic;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for Harvest: binds {@code harvest.*}, registers the outbox stasher and, unless
 * {@code harvest.enabled=false}, the {@link Harvester}.
 */
@AutoConfiguration(after = { DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
		KafkaAutoConfiguration.class })
@ConditionalOnClass({ JdbcTemplate.class, KafkaTemplate.class })
@EnableConfigurationProperties(HarvestProperties.class)
@Import({ DatabaseInitializationDependencyConfigurer.class, OutboxStasherConfiguration.class })
public final class HarvestAutoConfiguration {

	/** Leader group used when neither harvest.leader.group-id nor spring.application.name is set. */
	static final String DEFAULT_GROUP_ID = "harvest";

	/** Longest start-up wait for the leader topic to be found or created. */
	static final Duration LEADER_TOPIC_TIMEOUT = Duration.ofSeconds(30);

	HarvestAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	OutboxTable harvestOutboxTable(HarvestProperties properties) {
		return OutboxTable.of(properties.getOutboxTable());
	}

	@Bean
	@ConditionalOnMissingBean
	Limits harvestLimits(HarvestProperties properties) {
		return properties.getLimits().toLimits();
	}

	@Bean
	@ConditionalOnMissingBean
	RetryPolicy harvestRetryPolicy(HarvestProperties properties) {
		return properties.toRetryPolicy();
	}

	@Bean
	@ConditionalOnMissingBean
	BacklogSettings harvestBacklogSettings(HarvestProperties properties) {
		return properties.getBacklog().toSettings();
	}

	/**
	 * Returns how often the leader records its last mark: twice per sample interval, so that
	 * the record trails the leader's marks by well under the window's span.
	 */
	static Duration markRecordingInterval(BacklogSettings settings) {
		Duration half = settings.sampleInterval().dividedBy(2);
		return half.isZero() ? settings.sampleInterval() : half;
	}

	@Bean
	@ConditionalOnMissingBean
	Config harvestConfig(HarvestProperties properties, OutboxTable outboxTable, Limits limits, RetryPolicy retry,
			Environment environment) {
		String groupId = (properties.getLeader().getGroupId() != null) ? properties.getLeader().getGroupId()
				: environment.getProperty("spring.application.name", DEFAULT_GROUP_ID);
		return Config.builder()
			.name(properties.getName())
			.outboxTable(outboxTable)
			.leaderGroupId(groupId)
			.leaderTopic(properties.getLeader().getTopic())
			.limits(limits)
			.retry(retry)
			.listenForNotifications(properties.isListenForNotifications())
			.build();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnSingleCandidate(DataSource.class)
	OutboxSchema harvestOutboxSchema(DataSource dataSource, OutboxTable outboxTable) {
		return new OutboxSchema(dataSource, outboxTable);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "harvest.schema.initialize")
	@ConditionalOnSingleCandidate(DataSource.class)
	static class SchemaInitializerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OutboxSchemaInitializer harvestOutboxSchemaInitializer(OutboxSchema schema) {
			return new OutboxSchemaInitializer(schema);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "harvest.enabled", matchIfMissing = true)
	@ConditionalOnSingleCandidate(DataSource.class)
	@ConditionalOnBean(ProducerFactory.class)
	static class HarvesterConfiguration {

		@Bean(defaultCandidate = false)
		@ConditionalOnMissingBean(name = "harvestProducerFactory")
		ProducerFactory<?, ?> harvestProducerFactory(ProducerFactory<?, ?> producerFactory,
				HarvestProperties properties) {
			Map<String, Object> overrides = new HashMap<>(properties.getKafka().getProducer());
			overrides.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
			overrides.put(ProducerConfig.ACKS_CONFIG, "all");
			return producerFactory.copyWithConfigurationOverride(overrides);
		}

		@Bean(defaultCandidate = false)
		@ConditionalOnMissingBean(name = "harvestKafkaTemplate")
		KafkaTemplate<?, ?> harvestKafkaTemplate(
				@Qualifier("harvestProducerFactory") ProducerFactory<?, ?> harvestProducerFactory) {
			return template(harvestProducerFactory);
		}

		@Bean
		@ConditionalOnMissingBean
		@DependsOnDatabaseInitialization
		Harvester harvester(DataSource dataSource, OutboxSchema schema,
				ObjectProvider<ConsumerFactory<?, ?>> consumerFactory,
				@Qualifier("harvestKafkaTemplate") KafkaTemplate<?, ?> harvestKafkaTemplate, Config config,
				BacklogSettings backlogSettings, HarvestProperties properties, ApplicationEventPublisher eventPublisher,
				ObjectProvider<OutboxSchemaInitializer> schemaInitializer) {
			// Explicit, so that the schema exists before it is verified even where Boot's
			// database-initialization ordering is not in effect.
			schemaInitializer.ifAvailable((initializer) -> {
			});
			schema.verify();
			ProducerFactory<?, ?> producerFactory = harvestKafkaTemplate.getProducerFactory();
			KafkaClientProperties clients = new KafkaClientProperties(consumerFactory.getIfUnique(), producerFactory,
					properties);
			if (properties.getLeader().isCreateTopic()) {
				LeaderTopic.ensureExists(clients.admin(), config.leaderTopic(), LEADER_TOPIC_TIMEOUT);
			}
			Harvester harvester = new Harvester(dataSource, producerFactory, clients.consumer(), config,
					eventPublisher::publishEvent);
			harvester.setPhase(properties.getLifecycle().getPhase());
			// Always, so that instances judging the backlog can tell whether this leader marks,
			// whatever this instance's own backlog settings.
			harvester.setMarkRecordingInterval(markRecordingInterval(backlogSettings));
			return harvester;
		}

		@Bean
		@ConditionalOnMissingBean
		QuarantineStore harvestQuarantineStore(DataSource dataSource, OutboxTable outboxTable) {
			return new JdbcQuarantineStore(dataSource, outboxTable);
		}

		@Bean
		@ConditionalOnMissingBean
		QuarantineActions harvestQuarantineActions(QuarantineStore quarantineStore, Harvester harvester) {
			return new QuarantineActions(quarantineStore, harvester);
		}

		private static <K, V> KafkaTemplate<K, V> template(ProducerFactory<K, V> producerFactory) {
			return new KafkaTemplate<>(producerFactory);
		}

	}

}
