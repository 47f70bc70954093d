package dev.harvest.outbox.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for Harvest.
 */
@AutoConfiguration
@EnableConfigurationProperties(HarvestProperties.class)
public final class HarvestAutoConfiguration {

	HarvestAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	OutboxTable harvestOutboxTable(HarvestProperties properties) {
		return OutboxTable.of(properties.getOutboxTable());
	}

}
