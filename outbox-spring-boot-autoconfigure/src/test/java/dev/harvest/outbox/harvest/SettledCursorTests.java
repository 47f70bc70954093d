package dev.harvest.outbox.harvest;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.jdbc.MarkResult;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SettledCursor}.
 */
class SettledCursorTests {

	private final SettledCursor cursor = new SettledCursor();

	@Test
	void idSettlesAfterTwoLaterSnapshotsWithNothingRunning() {
		this.cursor.forwardMarked(100, false, 10, 10);
		assertThat(this.cursor.position()).isZero();
		this.cursor.forwardMarked(0, false, 11, 11);
		assertThat(this.cursor.position()).as("first step only").isZero();
		this.cursor.forwardMarked(0, false, 12, 12);
		assertThat(this.cursor.position()).isEqualTo(100);
		assertThat(this.cursor.pending()).isZero();
	}

	@Test
	void transactionOpenWhenTheIdWasSeenHoldsTheCursorBackUntilItEnds() {
		// Transaction 7 is running when id 100 is seen: it may hold a lower id.
		this.cursor.forwardMarked(100, false, 7, 10);
		for (int mark = 0; mark < 5; mark++) {
			this.cursor.forwardMarked(0, false, 7, 20 + mark);
		}
		assertThat(this.cursor.position()).isZero();
		this.cursor.forwardMarked(0, false, 25, 25);
		assertThat(this.cursor.position()).as("first step done").isZero();
		this.cursor.forwardMarked(0, false, 26, 26);
		assertThat(this.cursor.position()).isEqualTo(100);
	}

	@Test
	void transactionTakingItsIdJustAfterTheSnapshotHoldsTheCursorBackToo() {
		// Id 100 seen by the mark of transaction 10; transaction 11 drew a lower row id just
		// before that snapshot and took its transaction id just after, and is still running
		// when the first step is done (by the mark of transaction 12).
		this.cursor.forwardMarked(100, false, 10, 10);
		this.cursor.forwardMarked(0, false, 11, 12);
		this.cursor.forwardMarked(0, false, 11, 13);
		assertThat(this.cursor.position()).isZero();
		this.cursor.forwardMarked(0, false, 14, 14);
		assertThat(this.cursor.position()).isEqualTo(100);
	}

	@Test
	void truncatedMarkOnlySettlesUpToTheIdsItSaw() {
		this.cursor.forwardMarked(100, true, 10, 10);
		this.cursor.forwardMarked(150, true, 11, 11);
		this.cursor.forwardMarked(90, true, 12, 12);
		assertThat(this.cursor.position()).as("the mark saw nothing above 90").isZero();
		this.cursor.forwardMarked(200, true, 13, 13);
		assertThat(this.cursor.position()).isEqualTo(150);
	}

	@Test
	void marksBelowTheCursorAdvanceTheStepsButNeverTheCursor() {
		this.cursor.forwardMarked(100, false, 10, 10);
		this.cursor.marked(11, 11);
		this.cursor.marked(12, 12);
		assertThat(this.cursor.position()).isZero();
		this.cursor.forwardMarked(0, false, 12, 12);
		assertThat(this.cursor.position()).isEqualTo(100);
	}

	@Test
	void unknownHorizonNeverMovesTheCursor() {
		for (int mark = 1; mark <= 5; mark++) {
			this.cursor.forwardMarked(mark * 100, false, MarkResult.UNKNOWN, MarkResult.UNKNOWN);
		}
		assertThat(this.cursor.position()).isZero();
		assertThat(this.cursor.pending()).isZero();
	}

	@Test
	void resetStartsFromTheHeadAgain() {
		this.cursor.forwardMarked(100, false, 10, 10);
		this.cursor.forwardMarked(0, false, 11, 11);
		this.cursor.forwardMarked(0, false, 12, 12);
		assertThat(this.cursor.position()).isEqualTo(100);
		this.cursor.forwardMarked(200, false, 12, 12);
		this.cursor.reset();
		assertThat(this.cursor.position()).isZero();
		assertThat(this.cursor.pending()).isZero();
	}

}
