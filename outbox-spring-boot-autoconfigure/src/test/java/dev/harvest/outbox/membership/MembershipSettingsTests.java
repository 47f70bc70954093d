package dev.harvest.outbox.membership;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.harvest.InvalidLimitException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link MembershipSettings}.
 */
class MembershipSettingsTests {

	@Test
	void defaultsDescribeEveryFifteenSecondsAndCoalesceOverTwo() {
		MembershipSettings settings = MembershipSettings.of("group", "group.neli", "pod-a");
		assertThat(settings.refreshInterval()).isEqualTo(Duration.ofSeconds(15));
		assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(settings.coalescePeriod()).isEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void invalidValuesAreReportedByName() {
		assertInvalid("groupId", () -> MembershipSettings.of(" ", "topic", "pod"));
		assertInvalid("leaderTopic", () -> MembershipSettings.of("group", "", "pod"));
		assertInvalid("instanceName", () -> MembershipSettings.of("group", "topic", null));
		MembershipSettings settings = MembershipSettings.of("group", "topic", "pod");
		assertInvalid("refreshInterval",
				() -> settings.withTimings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1)));
		assertInvalid("timeout",
				() -> settings.withTimings(Duration.ofSeconds(1), Duration.ofSeconds(-1), Duration.ofSeconds(1)));
		assertInvalid("coalescePeriod", () -> settings.withTimings(Duration.ofSeconds(1), Duration.ofSeconds(1), null));
	}

	private static void assertInvalid(String name, Runnable change) {
		assertThatExceptionOfType(InvalidLimitException.class).isThrownBy(change::run)
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo(name));
	}

}
