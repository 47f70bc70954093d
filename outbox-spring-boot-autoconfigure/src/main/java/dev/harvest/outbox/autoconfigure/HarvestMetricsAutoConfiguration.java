package dev.harvest.outbox.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.QuarantineActions;
import dev.harvest.outbox.membership.MembershipView;
import dev.harvest.outbox.metrics.HarvestMetrics;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for Harvest's Micrometer metrics.
 */
@AutoConfiguration(after = { HarvestAutoConfiguration.class, HarvestBacklogAutoConfiguration.class,
		HarvestMembershipAutoConfiguration.class },
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(Harvester.class)
public final class HarvestMetricsAutoConfiguration {

	HarvestMetricsAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	HarvestMetrics harvestMetrics(Harvester harvester, ObjectProvider<QuarantineActions> quarantineActions,
			ObjectProvider<BacklogMonitor> backlog, ObjectProvider<MembershipView> members) {
		return new HarvestMetrics(harvester, quarantineActions.getIfAvailable(), backlog.getIfAvailable(),
				members.getIfAvailable());
	}

}
