package dev.harvest.outbox.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.harvest.outbox.actuate.HarvestHealthIndicator;
import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.harvest.Harvester;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the {@code harvest} health indicator ({@code management.health.harvest.enabled}) and the
 * {@code outbox} health group that holds it.
 */
@AutoConfiguration(after = { HarvestAutoConfiguration.class, HarvestBacklogAutoConfiguration.class })
@ConditionalOnClass(ConditionalOnEnabledHealthIndicator.class)
@ConditionalOnBean(Harvester.class)
@ConditionalOnEnabledHealthIndicator("harvest")
public final class HarvestHealthContributorAutoConfiguration {

	HarvestHealthContributorAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "harvestHealthIndicator")
	HarvestHealthIndicator harvestHealthIndicator(Harvester harvester, ObjectProvider<BacklogMonitor> backlog) {
		return new HarvestHealthIndicator(harvester, backlog.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean(name = "harvestHealthGroupPostProcessor")
	HealthEndpointGroupsPostProcessor harvestHealthGroupPostProcessor() {
		return new OutboxHealthGroupPostProcessor();
	}

}
