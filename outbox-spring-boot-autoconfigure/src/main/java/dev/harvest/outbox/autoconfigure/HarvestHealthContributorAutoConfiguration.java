package dev.harvest.outbox.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.harvest.outbox.actuate.HarvestHealthIndicator;
import dev.harvest.outbox.harvest.Harvester;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the {@code harvest} health indicator ({@code management.health.harvest.enabled}).
 */
@AutoConfiguration(after = HarvestAutoConfiguration.class)
@ConditionalOnClass(ConditionalOnEnabledHealthIndicator.class)
@ConditionalOnBean(Harvester.class)
@ConditionalOnEnabledHealthIndicator("harvest")
public final class HarvestHealthContributorAutoConfiguration {

	HarvestHealthContributorAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean(name = "harvestHealthIndicator")
	HarvestHealthIndicator harvestHealthIndicator(Harvester harvester) {
		return new HarvestHealthIndicator(harvester);
	}

}
