package dev.harvest.outbox.autoconfigure;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.ProducerFactory;

import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.membership.LeaderRecordReader;
import dev.harvest.outbox.membership.MembersChanged;
import dev.harvest.outbox.membership.MembershipSettings;
import dev.harvest.outbox.membership.MembershipView;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the {@link MembershipView} of the harvester's leader group, unless
 * {@code harvest.membership.enabled=false}, started and stopped with the harvester.
 * {@link MembersChanged} events are published as application events.
 */
@AutoConfiguration(after = HarvestAutoConfiguration.class)
@ConditionalOnBean(Harvester.class)
@ConditionalOnBooleanProperty(name = "harvest.membership.enabled", matchIfMissing = true)
public final class HarvestMembershipAutoConfiguration {

	HarvestMembershipAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	MembershipSettings harvestMembershipSettings(HarvestProperties properties, Harvester harvester) {
		return properties.getMembership().toSettings(harvester.config());
	}

	@Bean
	@ConditionalOnMissingBean
	MembershipView harvestMembershipView(MembershipSettings settings, Harvester harvester, DataSource dataSource,
			ObjectProvider<ConsumerFactory<?, ?>> consumerFactory, ObjectProvider<ProducerFactory<?, ?>> producerFactory,
			HarvestProperties properties, ApplicationEventPublisher eventPublisher) {
		KafkaClientProperties clients = new KafkaClientProperties(consumerFactory.getIfUnique(),
				producerFactory.getObject(), properties);
		return new MembershipView(settings, clients.consumer(),
				new LeaderRecordReader(dataSource, harvester.config().outboxTable(), settings.timeout()),
				eventPublisher::publishEvent);
	}

	@Bean
	@ConditionalOnMissingBean(name = "harvestMembershipViewLifecycle")
	HarvestComponentLifecycle harvestMembershipViewLifecycle(MembershipView view, HarvestProperties properties) {
		return new HarvestComponentLifecycle(view::start, view, properties.getLifecycle().getPhase());
	}

}
