package dev.harvest.outbox.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.harvest.outbox.actuate.HarvestEndpoint;
import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.QuarantineActions;
import dev.harvest.outbox.membership.MembershipView;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the {@link HarvestEndpoint}, created only when the endpoint is exposed.
 */
@AutoConfiguration(after = { HarvestAutoConfiguration.class, HarvestBacklogAutoConfiguration.class,
		HarvestMembershipAutoConfiguration.class })
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnAvailableEndpoint(HarvestEndpoint.class)
public final class HarvestEndpointAutoConfiguration {

	HarvestEndpointAutoConfiguration() {
	}

	@Bean
	@ConditionalOnBean(Harvester.class)
	@ConditionalOnMissingBean
	HarvestEndpoint harvestEndpoint(Harvester harvester, ObjectProvider<QuarantineActions> quarantineActions,
			ObjectProvider<BacklogMonitor> backlog, ObjectProvider<MembershipView> members) {
		return new HarvestEndpoint(harvester, quarantineActions.getIfAvailable(), backlog.getIfAvailable(),
				members.getIfAvailable());
	}

}
