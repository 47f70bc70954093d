package dev.harvest.outbox.jdbc;

import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.harvest.PoisonPolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link QuarantineEntry}.
 */
class QuarantineEntryTests {

	private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

	@Test
	void longErrorIsCutWithAnEllipsis() {
		QuarantineEntry entry = entry("x".repeat(10_000), PoisonPolicy.HOLD_KEY);
		assertThat(entry.lastError()).hasSize(QuarantineEntry.MAX_ERROR_LENGTH).endsWith("xx...");
	}

	@Test
	void cutNeverSplitsASurrogatePair() {
		String error = "x".repeat(QuarantineEntry.MAX_ERROR_LENGTH - 4) + "🚀".repeat(10);
		QuarantineEntry entry = entry(error, PoisonPolicy.HOLD_KEY);
		assertThat(entry.lastError()).isEqualTo("x".repeat(QuarantineEntry.MAX_ERROR_LENGTH - 4) + "...");
	}

	@Test
	void nulCharactersThatPostgresCannotStoreAreReplaced() {
		assertThat(entry("bad\u0000byte", PoisonPolicy.HOLD_KEY).lastError()).isEqualTo("bad\uFFFDbyte");
	}

	@Test
	void entryOfFailureKeepsMessageAndClass() {
		QuarantineEntry entry = QuarantineEntry.ofFailure(3, NOW, NOW.plusSeconds(60),
				new IllegalStateException("topic authorization failed"), PoisonPolicy.PARK_KEY);
		assertThat(entry.lastError()).isEqualTo("topic authorization failed");
		assertThat(entry.errorClass()).isEqualTo(IllegalStateException.class.getName());
		assertThat(entry.attempts()).isEqualTo(3);
	}

	@Test
	void entryOfFailureWithoutMessageDescribesTheFailure() {
		QuarantineEntry entry = QuarantineEntry.ofFailure(1, NOW, NOW, new IllegalStateException(),
				PoisonPolicy.HOLD_KEY);
		assertThat(entry.lastError()).isEqualTo(IllegalStateException.class.getName());
	}

	@Test
	void everyPolicyButSkipRecordHoldsTheKey() {
		assertThat(entry(null, PoisonPolicy.HOLD_KEY).holdsKey()).isTrue();
		assertThat(entry(null, PoisonPolicy.PARK_KEY).holdsKey()).isTrue();
		assertThat(entry(null, PoisonPolicy.SKIP_RECORD).holdsKey()).isFalse();
	}

	@Test
	void negativeAttemptsAreRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new QuarantineEntry(-1, NOW, NOW, null, null, PoisonPolicy.HOLD_KEY))
			.withMessageContaining("attempts");
	}

	private static QuarantineEntry entry(@Nullable String error, PoisonPolicy policy) {
		return new QuarantineEntry(0, NOW, NOW, error, "Defect", policy);
	}

}
