package dev.harvest.outbox.harvest;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link Limits}.
 */
class LimitsTests {

	@Test
	void defaultsFollowGoharvest() {
		Limits limits = Limits.defaults();
		assertThat(limits.ioErrorBackoff()).isEqualTo(Duration.ofMillis(500));
		assertThat(limits.minPollInterval()).isEqualTo(Duration.ofMillis(100));
		assertThat(limits.heartbeatTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(limits.maxPollInterval()).isEqualTo(Duration.ofMillis(2500));
		assertThat(limits.queueTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(limits.drainInterval()).isEqualTo(Duration.ofMillis(2500));
		assertThat(limits.markBackoff()).isEqualTo(Duration.ofMillis(10));
		assertThat(limits.maxInFlightRecords()).isEqualTo(1000);
		assertThat(limits.sendConcurrency()).isEqualTo(8);
		assertThat(limits.sendBuffer()).isEqualTo(10);
		assertThat(limits.markQueryRecords()).isEqualTo(100);
		assertThat(limits.minMetricsInterval()).isEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void heartbeatTimeoutDerivesMaxPollAndDrainIntervals() {
		Limits limits = Limits.builder().heartbeatTimeout(Duration.ofSeconds(40)).build();
		assertThat(limits.maxPollInterval()).isEqualTo(Duration.ofSeconds(20));
		assertThat(limits.drainInterval()).isEqualTo(Duration.ofSeconds(20));
	}

	@Test
	void shorterQueueTimeoutBoundsTheDrainInterval() {
		Limits limits = Limits.builder()
			.heartbeatTimeout(Duration.ofSeconds(40))
			.queueTimeout(Duration.ofSeconds(15))
			.build();
		assertThat(limits.maxPollInterval()).isEqualTo(Duration.ofSeconds(20));
		assertThat(limits.drainInterval()).isEqualTo(Duration.ofSeconds(15));
	}

	@Test
	void explicitDerivedValuesAreKept() {
		Limits limits = Limits.builder()
			.maxPollInterval(Duration.ofSeconds(1))
			.drainInterval(Duration.ofMillis(300))
			.build();
		assertThat(limits.maxPollInterval()).isEqualTo(Duration.ofSeconds(1));
		assertThat(limits.drainInterval()).isEqualTo(Duration.ofMillis(300));
		assertThat(limits.toBuilder().build()).isEqualTo(limits);
	}

	@Test
	void invalidValuesAreReportedByName() {
		assertInvalid(Limits.builder().sendConcurrency(0), "sendConcurrency", "must be at least 1");
		assertInvalid(Limits.builder().maxInFlightRecords(0), "maxInFlightRecords", "must be at least 1");
		assertInvalid(Limits.builder().sendBuffer(0), "sendBuffer", "must be at least 1");
		assertInvalid(Limits.builder().markQueryRecords(0), "markQueryRecords", "must be at least 1");
		assertInvalid(Limits.builder().ioErrorBackoff(Duration.ofMillis(-1)), "ioErrorBackoff", "must not be negative");
		assertInvalid(Limits.builder().queueTimeout(Duration.ZERO), "queueTimeout", "must be positive");
		assertInvalid(Limits.builder().purgeInterval(null), "purgeInterval", "must be set");
		assertInvalid(Limits.builder().minPollInterval(Duration.ofSeconds(3)).maxPollInterval(Duration.ofSeconds(2)),
				"maxPollInterval", "must not be less than minPollInterval");
		assertInvalid(Limits.builder().markBackoff(Duration.ofSeconds(2)), "maxMarkBackoff",
				"must not be less than markBackoff");
		assertInvalid(Limits.builder().markQueryRecords(500).maxQueuedRecords(100), "maxQueuedRecords",
				"must be at least markQueryRecords");
		assertInvalid(Limits.builder().heartbeatTimeout(Duration.ofMillis(100)).maxPollInterval(Duration.ofMillis(100)),
				"heartbeatTimeout",
				"must be greater than minPollInterval");
	}

	private static void assertInvalid(Limits.Builder builder, String name, String reason) {
		assertThatExceptionOfType(InvalidLimitException.class).isThrownBy(builder::build)
			.withMessageStartingWith("'" + name + "' ")
			.withMessageContaining(reason)
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo(name));
	}

}
