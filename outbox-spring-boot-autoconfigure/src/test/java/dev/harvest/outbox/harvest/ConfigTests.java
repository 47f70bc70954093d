package dev.harvest.outbox.harvest;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.jdbc.OutboxTable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link Config} and {@link RetryPolicy}.
 */
class ConfigTests {

	@Test
	void leaderTopicDefaultsToTheGroupIdWithNeliSuffix() {
		Config config = Config.builder().name("one").leaderGroupId("orders").build();
		assertThat(config.leaderTopic()).isEqualTo("orders.neli");
		assertThat(config.outboxTable()).isEqualTo(OutboxTable.of("outbox"));
		assertThat(config.limits()).isEqualTo(Limits.defaults());
		assertThat(config.retry()).isEqualTo(RetryPolicy.defaults());
		assertThat(config.listenForNotifications()).isTrue();
	}

	@Test
	void nameDefaultsToHostProcessAndStartTime() {
		assertThat(Config.builder().leaderGroupId("orders").build().name()).matches("[a-zA-Z0-9._-]+_\\d+_\\d+");
	}

	@Test
	void missingGroupIdIsReportedByName() {
		assertThatExceptionOfType(InvalidLimitException.class)
			.isThrownBy(() -> Config.builder().name("one").build())
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("leaderGroupId"))
			.withMessageContaining("letters, digits");
	}

	@Test
	void invalidValuesAreReportedByName() {
		assertThatExceptionOfType(InvalidLimitException.class)
			.isThrownBy(() -> Config.builder().name(" ").leaderGroupId("orders").build())
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("name"));
		assertThatExceptionOfType(InvalidLimitException.class)
			.isThrownBy(() -> Config.builder().name("one").leaderGroupId("orders").leaderTopic("bad topic").build())
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("leaderTopic"));
		assertThatExceptionOfType(InvalidLimitException.class)
			.isThrownBy(() -> Config.builder().outboxTable("a.b.c"))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("outboxTable"));
	}

	@Test
	void retryPolicyDefaultsAndValidation() {
		RetryPolicy defaults = RetryPolicy.defaults();
		assertThat(defaults.initialBackoff()).isEqualTo(Duration.ofSeconds(1));
		assertThat(defaults.maxBackoff()).isEqualTo(Duration.ofSeconds(60));
		assertThat(defaults.maxAttemptsRetriable()).isZero();
		assertThat(defaults.poisonMaxAttempts()).isEqualTo(3);
		assertThat(defaults.poisonPolicy()).isEqualTo(PoisonPolicy.HOLD_KEY);
		assertThatExceptionOfType(InvalidLimitException.class)
			.isThrownBy(() -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 0, 3, PoisonPolicy.HOLD_KEY))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("retry.maxBackoff"));
		assertThatExceptionOfType(InvalidLimitException.class)
			.isThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 0, 0, PoisonPolicy.HOLD_KEY))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("poison.maxAttempts"));
	}

}
