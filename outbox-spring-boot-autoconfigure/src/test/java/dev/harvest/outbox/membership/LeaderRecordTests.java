package dev.harvest.outbox.membership;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LeaderRecord}.
 */
class LeaderRecordTests {

	private static final Instant ACQUIRED = Instant.parse("2026-03-01T11:00:00Z");

	@Test
	void markOfTheCurrentEpochIsTheLastMark() {
		Instant marked = ACQUIRED.plusSeconds(30);
		assertThat(record(marked).currentLeaderLastMark()).isEqualTo(marked);
	}

	@Test
	void markOfAFormerLeaderCountsAsTheTakeOver() {
		assertThat(record(ACQUIRED.minusSeconds(30)).currentLeaderLastMark()).isEqualTo(ACQUIRED);
	}

	@Test
	void noRecordedMarkSaysNothing() {
		assertThat(record(null).currentLeaderLastMark()).isNull();
	}

	private static LeaderRecord record(Instant lastMarkAt) {
		return new LeaderRecord(2, "pod-a", UUID.randomUUID(), ACQUIRED, lastMarkAt);
	}

}
