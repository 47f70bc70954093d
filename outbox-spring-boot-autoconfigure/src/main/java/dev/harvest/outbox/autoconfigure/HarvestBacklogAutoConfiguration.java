package dev.harvest.outbox.autoconfigure;

import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.backlog.BacklogSampler;
import dev.harvest.outbox.backlog.BacklogSettings;
import dev.harvest.outbox.backlog.BacklogStatusChanged;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.membership.LeaderRecordReader;
import dev.harvest.outbox.membership.LeaderViewSource;
import dev.harvest.outbox.membership.MembershipView;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the {@link BacklogMonitor}, which samples the outbox on every instance, leader or not,
 * unless {@code harvest.backlog.enabled=false}, started and stopped with the harvester.
 * {@link BacklogStatusChanged} events are published as application events.
 */
@AutoConfiguration(after = { HarvestAutoConfiguration.class, HarvestMembershipAutoConfiguration.class })
@ConditionalOnBean(Harvester.class)
@ConditionalOnBooleanProperty(name = "harvest.backlog.enabled", matchIfMissing = true)
public final class HarvestBacklogAutoConfiguration {

	/** Longest the read of the leader's row may take, once per sample. */
	static final Duration LEADER_RECORD_TIMEOUT = Duration.ofSeconds(5);

	HarvestBacklogAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	BacklogMonitor harvestBacklogMonitor(Harvester harvester, BacklogSettings settings, DataSource dataSource,
			ObjectProvider<MembershipView> membershipView, ApplicationEventPublisher eventPublisher) {
		OutboxTable table = harvester.config().outboxTable();
		LeaderViewSource leaderView = new LeaderViewSource(harvester, membershipView.getIfAvailable(),
				new LeaderRecordReader(dataSource, table, LEADER_RECORD_TIMEOUT));
		return new BacklogMonitor(harvester.config().name(), new BacklogSampler(dataSource, table, settings),
				settings, leaderView, eventPublisher::publishEvent);
	}

	@Bean
	@ConditionalOnMissingBean(name = "harvestBacklogMonitorLifecycle")
	HarvestComponentLifecycle harvestBacklogMonitorLifecycle(BacklogMonitor monitor, HarvestProperties properties) {
		return new HarvestComponentLifecycle(monitor::start, monitor, properties.getLifecycle().getPhase());
	}

}
