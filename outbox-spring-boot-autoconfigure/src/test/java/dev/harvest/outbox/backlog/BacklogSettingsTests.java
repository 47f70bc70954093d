package dev.harvest.outbox.backlog;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.harvest.InvalidLimitException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link BacklogSettings}.
 */
class BacklogSettingsTests {

	private final BacklogSettings defaults = BacklogSettings.defaults();

	@Test
	void defaultsSampleEveryTenSecondsOverTwoMinutes() {
		assertThat(this.defaults.sampleInterval()).isEqualTo(Duration.ofSeconds(10));
		assertThat(this.defaults.window()).isEqualTo(12);
		assertThat(this.defaults.windowSpan()).isEqualTo(Duration.ofSeconds(110));
		assertThat(this.defaults.countCap()).isEqualTo(100_000);
		assertThat(this.defaults.topK()).isEqualTo(50);
		assertThat(this.defaults.minimumComplete()).isEqualTo(0.5);
		assertThat(this.defaults.allowedBacklog()).isZero();
		assertThat(this.defaults.ageWarn()).isNull();
		assertThat(this.defaults.ageError()).isNull();
		assertThat(this.defaults.renotifyInterval()).isEqualTo(Duration.ofMinutes(5));
	}

	@Test
	void withersChangeOneValue() {
		BacklogSettings changed = this.defaults.withTopK(0).withAgeWarn(Duration.ofMinutes(1));
		assertThat(changed.topK()).isZero();
		assertThat(changed.ageWarn()).isEqualTo(Duration.ofMinutes(1));
		assertThat(changed.window()).isEqualTo(this.defaults.window());
	}

	@Test
	void invalidValuesAreReportedByName() {
		assertInvalid("sampleInterval", () -> this.defaults.withSampleInterval(Duration.ZERO));
		assertInvalid("window", () -> this.defaults.withWindow(1));
		assertInvalid("countCap", () -> this.defaults.withCountCap(0));
		assertInvalid("topK", () -> this.defaults.withTopK(-1));
		assertInvalid("minimumComplete", () -> this.defaults.withMinimumComplete(1.5));
		assertInvalid("minimumComplete", () -> this.defaults.withMinimumComplete(Double.NaN));
		assertInvalid("allowedBacklog", () -> this.defaults.withAllowedBacklog(-1));
		assertInvalid("allowedBacklog", () -> this.defaults.withAllowedBacklog(this.defaults.countCap()));
		assertInvalid("ageWarn", () -> this.defaults.withAgeWarn(Duration.ofSeconds(-1)));
		BacklogSettings warnAfterFiveMinutes = this.defaults.withAgeWarn(Duration.ofMinutes(5));
		assertInvalid("ageError", () -> warnAfterFiveMinutes.withAgeError(Duration.ofMinutes(5)));
		assertInvalid("renotifyInterval", () -> this.defaults.withRenotifyInterval(Duration.ZERO));
	}

	private static void assertInvalid(String name, Runnable change) {
		assertThatExceptionOfType(InvalidLimitException.class).isThrownBy(change::run)
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo(name))
			.withMessageStartingWith("'" + name + "' ");
	}

}
