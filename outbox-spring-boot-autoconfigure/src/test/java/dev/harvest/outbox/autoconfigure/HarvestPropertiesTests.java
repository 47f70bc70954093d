package dev.harvest.outbox.autoconfigure;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.harvest.Config;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.RetryPolicy;

import static org.assertj.core.api.Assertions.assertThat;

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

}
