package dev.harvest.outbox.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.backlog.BacklogSettings;
import dev.harvest.outbox.harvest.Config;
import dev.harvest.outbox.harvest.InvalidLimitException;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.RetryPolicy;
import dev.harvest.outbox.membership.MembershipSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link HarvestProperties}.
 */
class HarvestPropertiesTests {

	private final HarvestProperties properties = new HarvestProperties();

	@Test
	void limitsDefaultValuesAreConsistentWithLimits() {
		assertThat(this.properties.getLimits().toLimits()).isEqualTo(Limits.defaults());
	}

	@Test
	void retryDefaultValuesAreConsistentWithRetryPolicy() {
		assertThat(this.properties.toRetryPolicy()).isEqualTo(RetryPolicy.defaults());
	}

	@Test
	void derivedLimitsFollowTheHeartbeatTimeoutWhenNotSet() {
		this.properties.getLimits().setHeartbeatTimeout(java.time.Duration.ofSeconds(40));
		Limits limits = this.properties.getLimits().toLimits();
		assertThat(limits.maxPollInterval()).hasSeconds(20);
		assertThat(limits.drainInterval()).hasSeconds(20);
	}

	@Test
	void leaderGroupDefaultsToTheGivenNameAndTopicFollowsIt() {
		Config config = this.properties.toConfig("orders");
		assertThat(config.leaderGroupId()).isEqualTo("orders");
		assertThat(config.leaderTopic()).isEqualTo("orders.neli");
		assertThat(config.outboxTable().toString()).isEqualTo("outbox");
	}

	@Test
	void explicitLeaderSettingsWin() {
		this.properties.getLeader().setGroupId("g1");
		this.properties.getLeader().setTopic("leaders");
		Config config = this.properties.toConfig("orders");
		assertThat(config.leaderGroupId()).isEqualTo("g1");
		assertThat(config.leaderTopic()).isEqualTo("leaders");
	}

	@Test
	void lifecyclePhaseDefaultStopsAfterTheWebServer() {
		assertThat(this.properties.getLifecycle().getPhase()).isEqualTo(Integer.MAX_VALUE - 4096);
	}

	@Test
	void backlogDefaultValuesAreConsistentWithBacklogSettings() {
		assertThat(this.properties.getBacklog().isEnabled()).isTrue();
		assertThat(this.properties.getBacklog().toSettings()).isEqualTo(BacklogSettings.defaults());
	}

	@Test
	void membershipDefaultValuesAreConsistentWithMembershipSettings() {
		Config config = this.properties.toConfig("orders");
		assertThat(this.properties.getMembership().isEnabled()).isTrue();
		assertThat(this.properties.getMembership().toSettings(config))
			.isEqualTo(MembershipSettings.of("orders", "orders.neli", config.name()));
	}

	@Test
	void invalidBacklogSettingIsReportedUnderItsGroup() {
		this.properties.getBacklog().setWindow(1);
		assertThatExceptionOfType(InvalidLimitException.class).isThrownBy(this.properties.getBacklog()::toSettings)
			.withMessageStartingWith("'backlog.window' must be at least 2")
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("backlog.window"));
	}

	@Test
	void invalidTopTopicsIsReportedByItsPropertyName() {
		this.properties.getBacklog().setTopTopics(-1);
		assertThatExceptionOfType(InvalidLimitException.class).isThrownBy(this.properties.getBacklog()::toSettings)
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("backlog.topTopics"));
	}

	@Test
	void invalidMembershipSettingIsReportedUnderItsGroup() {
		this.properties.getMembership().setTimeout(Duration.ZERO);
		Config config = this.properties.toConfig("orders");
		assertThatExceptionOfType(InvalidLimitException.class)
			.isThrownBy(() -> this.properties.getMembership().toSettings(config))
			.withMessageStartingWith("'membership.timeout' must be positive");
	}

}
