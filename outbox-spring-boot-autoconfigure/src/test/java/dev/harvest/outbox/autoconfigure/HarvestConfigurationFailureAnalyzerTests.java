package dev.harvest.outbox.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.harvest.outbox.harvest.InvalidLimitException;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.RetryPolicy;
import dev.harvest.outbox.harvest.PoisonPolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Tests for {@link HarvestConfigurationFailureAnalyzer}.
 */
class HarvestConfigurationFailureAnalyzerTests {

	private final HarvestConfigurationFailureAnalyzer analyzer = new HarvestConfigurationFailureAnalyzer();

	@Test
	void zeroConcurrencyNamesTheProperty() {
		InvalidLimitException failure = catchThrowableOfType(InvalidLimitException.class,
				() -> Limits.builder().sendConcurrency(0).build());
		FailureAnalysis analysis = this.analyzer.analyze(new IllegalStateException("wrapped", failure));
		assertThat(analysis.getDescription()).contains("'harvest.limits.send-concurrency' must be at least 1");
		assertThat(analysis.getAction()).contains("harvest.limits.send-concurrency");
	}

	@Test
	void negativeDurationNamesTheProperty() {
		InvalidLimitException failure = catchThrowableOfType(InvalidLimitException.class,
				() -> Limits.builder().ioErrorBackoff(Duration.ofSeconds(-1)).build());
		assertThat(this.analyzer.analyze(failure).getDescription())
			.contains("'harvest.limits.io-error-backoff' must not be negative");
	}

	@Test
	void retrySettingsMapToTheirOwnProperties() {
		InvalidLimitException failure = catchThrowableOfType(InvalidLimitException.class,
				() -> new RetryPolicy(Duration.ofSeconds(5), Duration.ofSeconds(1), 0, 3, PoisonPolicy.HOLD_KEY));
		assertThat(this.analyzer.analyze(failure).getDescription()).contains("'harvest.retry.max-backoff'");
	}

	@Test
	void configFieldsMapToTopLevelProperties() {
		assertThat(HarvestConfigurationFailureAnalyzer.propertyName("leaderGroupId"))
			.isEqualTo("harvest.leader.group-id");
		assertThat(HarvestConfigurationFailureAnalyzer.propertyName("outboxTable")).isEqualTo("harvest.outbox-table");
		assertThat(HarvestConfigurationFailureAnalyzer.propertyName("maxInFlightRecords"))
			.isEqualTo("harvest.limits.max-in-flight-records");
	}

	@Test
	void backlogAndMembershipSettingsMapToTheirOwnProperties() {
		HarvestProperties properties = new HarvestProperties();
		properties.getBacklog().setAgeError(Duration.ofSeconds(-1));
		InvalidLimitException failure = catchThrowableOfType(InvalidLimitException.class,
				properties.getBacklog()::toSettings);
		FailureAnalysis analysis = this.analyzer.analyze(failure);
		assertThat(analysis.getDescription()).contains("'harvest.backlog.age-error' must be positive");
		assertThat(analysis.getAction()).contains("'harvest.backlog.age-error'");
		assertThat(HarvestConfigurationFailureAnalyzer.propertyName("backlog.topTopics"))
			.isEqualTo("harvest.backlog.top-topics");
		assertThat(HarvestConfigurationFailureAnalyzer.propertyName("membership.refreshInterval"))
			.isEqualTo("harvest.membership.refresh-interval");
	}

}
