package dev.harvest.outbox.harvest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.jdbc.OutboxRow;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KeyScheduler}.
 */
class KeySchedulerTests {

	private static final long NOW = 1_000_000_000L;

	private final KeyScheduler scheduler = new KeyScheduler(1, 10, 100);

	@Test
	void dispatchesTheHeadOfEachKeyAndKeepsTheRestQueued() {
		this.scheduler.add(List.of(row(1, "a"), row(2, "a"), row(3, "b")), NOW);
		BitSet fed = this.scheduler.dispatch(NOW);
		assertThat(fed.get(0)).isTrue();
		assertThat(takeAll(this.scheduler, 0)).containsExactly(1L, 3L);
		assertThat(this.scheduler.inFlight()).isEqualTo(2);
		assertThat(this.scheduler.queued()).isOne();
		assertThat(this.scheduler.inFlightKeys()).containsExactlyInAnyOrder("a", "b");
	}

	@Test
	void keySendsItsNextRecordOnlyOnceItsAcknowledgedRowIsPurged() {
		this.scheduler.add(List.of(row(1, "a"), row(2, "a"), row(3, "b")), NOW);
		this.scheduler.dispatch(NOW);
		ScheduledRecord first = this.scheduler.take(0, NOW);
		ScheduledRecord other = this.scheduler.take(0, NOW);
		this.scheduler.dispatch(NOW);
		assertThat(this.scheduler.hasBuffered(0)).isFalse();
		this.scheduler.acked(first, NOW);
		this.scheduler.acked(other, NOW);
		this.scheduler.dispatch(NOW);
		// Should the leader die now, row 1 alone is sent again: never 1 after 2.
		assertThat(this.scheduler.hasBuffered(0)).as("key a waits for row 1 to be purged").isFalse();
		assertThat(this.scheduler.inFlight()).isZero();
		assertThat(this.scheduler.keyWaitsOnPurge()).isTrue();
		assertThat(this.scheduler.inFlightKeys()).isEmpty();
		this.scheduler.purged(List.of(3L));
		assertThat(this.scheduler.keyWaitsOnPurge()).as("key a still waits").isTrue();
		this.scheduler.purged(List.of(1L));
		assertThat(this.scheduler.keyWaitsOnPurge()).isFalse();
		this.scheduler.dispatch(NOW);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(2L);
		assertThat(this.scheduler.pendingPurges()).isZero();
	}

	@Test
	void keyAwaitingAPurgeCountsAsWaitingOnceNewRowsArrive() {
		this.scheduler.add(List.of(row(1, "a")), NOW);
		this.scheduler.dispatch(NOW);
		this.scheduler.acked(this.scheduler.take(0, NOW), NOW);
		assertThat(this.scheduler.keyWaitsOnPurge()).isFalse();
		this.scheduler.add(List.of(row(2, "a")), NOW);
		assertThat(this.scheduler.keyWaitsOnPurge()).isTrue();
		this.scheduler.dispatch(NOW);
		assertThat(this.scheduler.hasBuffered(0)).isFalse();
		this.scheduler.purged(List.of(1L));
		this.scheduler.dispatch(NOW);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(2L);
	}

	@Test
	void rowsInHandAreNotTakenTwice() {
		this.scheduler.add(List.of(row(1, "a"), row(2, "a")), NOW);
		assertThat(this.scheduler.add(List.of(row(1, "a"), row(2, "a")), NOW)).isZero();
		this.scheduler.dispatch(NOW);
		ScheduledRecord first = this.scheduler.take(0, NOW);
		assertThat(this.scheduler.add(List.of(row(1, "a")), NOW)).isZero();
		this.scheduler.acked(first, NOW);
		assertThat(this.scheduler.add(List.of(row(1, "a")), NOW)).as("acknowledged, not yet purged").isZero();
		assertThat(this.scheduler.purgeBatch(10)).containsExactly(1L);
		this.scheduler.purged(List.of(1L));
		assertThat(this.scheduler.pendingPurges()).isZero();
		assertThat(this.scheduler.add(List.of(row(1, "a")), NOW)).as("purged, so new to the scheduler").isOne();
	}

	@Test
	void failedRecordWaitsForItsBackoffAndGoesBeforeItsSuccessors() {
		this.scheduler.add(List.of(row(1, "a"), row(2, "a"), row(3, "b")), NOW);
		this.scheduler.dispatch(NOW);
		ScheduledRecord first = this.scheduler.take(0, NOW);
		ScheduledRecord other = this.scheduler.take(0, NOW);
		this.scheduler.retry(first, NOW + 100, NOW);
		this.scheduler.acked(other, NOW);
		this.scheduler.purged(List.of(3L));
		this.scheduler.add(List.of(row(4, "b")), NOW);
		this.scheduler.dispatch(NOW + 50);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(4L);
		assertThat(this.scheduler.nextRetryNanos()).isEqualTo(NOW + 100);
		this.scheduler.dispatch(NOW + 100);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(1L);
		assertThat(this.scheduler.queued()).isOne();
	}

	@Test
	void lateLowerIdIsQueuedBeforeItsKeysSuccessors() {
		this.scheduler.add(List.of(row(5, "a"), row(7, "a"), row(9, "a")), NOW);
		this.scheduler.dispatch(NOW);
		ScheduledRecord head = this.scheduler.take(0, NOW);
		this.scheduler.add(List.of(row(6, "a"), row(8, "a")), NOW);
		List<Long> order = new ArrayList<>();
		order.add(head.id());
		ScheduledRecord current = head;
		for (int i = 0; i < 4; i++) {
			this.scheduler.acked(current, NOW);
			this.scheduler.purged(List.of(current.id()));
			this.scheduler.dispatch(NOW);
			current = this.scheduler.take(0, NOW);
			order.add(current.id());
		}
		assertThat(order).containsExactly(5L, 6L, 7L, 8L, 9L);
	}

	@Test
	void respectsTheInFlightCapAndEachShardsBuffer() {
		KeyScheduler capped = new KeyScheduler(2, 2, 3);
		List<OutboxRow> rows = new ArrayList<>();
		for (int i = 1; i <= 20; i++) {
			rows.add(row(i, "k" + i));
		}
		capped.add(rows, NOW);
		capped.dispatch(NOW);
		assertThat(capped.inFlight()).isEqualTo(3);
		assertThat(capped.buffered(0)).isLessThanOrEqualTo(2);
		assertThat(capped.buffered(1)).isLessThanOrEqualTo(2);
		assertThat(capped.queued()).isEqualTo(17);

		KeyScheduler buffered = new KeyScheduler(1, 2, 100);
		buffered.add(rows, NOW);
		buffered.dispatch(NOW);
		assertThat(buffered.buffered(0)).isEqualTo(2);
		assertThat(buffered.inFlight()).isEqualTo(2);
		buffered.take(0, NOW);
		buffered.dispatch(NOW);
		assertThat(buffered.buffered(0)).isEqualTo(2);
		assertThat(buffered.inFlight()).isEqualTo(3);
	}

	@Test
	void defectiveRowMakesItsKeyWaitForThePoisonPolicy() {
		this.scheduler.add(List.of(defective(1, "a"), row(2, "a"), row(3, "b")), NOW);
		this.scheduler.dispatch(NOW);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(3L);
		List<KeyWork> work = this.scheduler.takeWork();
		assertThat(work).singleElement().satisfies((decide) -> {
			assertThat(decide.kind()).isEqualTo(KeyWork.Kind.DECIDE);
			assertThat(decide.poisoned().id()).isOne();
			assertThat(decide.ids()).containsExactly(2L);
		});
		assertThat(this.scheduler.heldKeys()).isOne();
		assertThat(this.scheduler.hasWork()).isFalse();

		this.scheduler.keyHeld(work.get(0), NOW);
		this.scheduler.dispatch(NOW);
		assertThat(this.scheduler.hasBuffered(0)).isFalse();
		assertThat(this.scheduler.queued()).as("the held key's queued rows were unmarked and dropped").isZero();
		assertThat(this.scheduler.isKnown(1)).isFalse();
		assertThat(this.scheduler.isKnown(2)).isFalse();
		assertThat(this.scheduler.excludedKeys()).containsExactly(new RecordKey("orders", "a"));
	}

	@Test
	void keyThatGoesOnAfterItsPoisonRecordSendsItsNextRecord() {
		this.scheduler.add(List.of(row(1, "a"), row(2, "a")), NOW);
		this.scheduler.dispatch(NOW);
		ScheduledRecord first = this.scheduler.take(0, NOW);
		this.scheduler.exhausted(first, NOW);
		this.scheduler.dispatch(NOW);
		assertThat(this.scheduler.hasBuffered(0)).isFalse();
		List<KeyWork> work = this.scheduler.takeWork();
		assertThat(work).extracting(KeyWork::poisoned).containsExactly(first);
		this.scheduler.keyContinues(work.get(0), NOW);
		this.scheduler.dispatch(NOW);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(2L);
		assertThat(this.scheduler.heldKeys()).isZero();
		assertThat(this.scheduler.isKnown(1)).isFalse();
	}

	@Test
	void parkedKeyHandsEveryNewRowToTheMarker() {
		this.scheduler.add(List.of(row(1, "a"), row(2, "a")), NOW);
		this.scheduler.dispatch(NOW);
		ScheduledRecord first = this.scheduler.take(0, NOW);
		this.scheduler.exhausted(first, NOW);
		this.scheduler.keyParked(this.scheduler.takeWork().get(0), NOW);
		List<KeyWork> park = this.scheduler.takeWork();
		assertThat(park).singleElement().satisfies((work) -> {
			assertThat(work.kind()).isEqualTo(KeyWork.Kind.PARK);
			assertThat(work.ids()).containsExactly(2L);
		});
		this.scheduler.rowsLeft(park.get(0), NOW);
		assertThat(this.scheduler.queued()).isZero();
		assertThat(this.scheduler.hasWork()).isFalse();
		assertThat(this.scheduler.excludedKeys()).as("a parked key's rows are marked, then parked").isEmpty();

		this.scheduler.add(List.of(row(5, "a")), NOW);
		this.scheduler.dispatch(NOW);
		assertThat(this.scheduler.hasBuffered(0)).isFalse();
		assertThat(this.scheduler.takeWork()).extracting(KeyWork::ids).containsExactly(List.of(5L));
	}

	@Test
	void keysQuarantineNoLongerHoldsAreReleasedWithTheirRowsDropped() {
		this.scheduler.loadHolds(Map.of(new RecordKey("orders", "held"), PoisonPolicy.HOLD_KEY,
				new RecordKey("orders", "parked"), PoisonPolicy.PARK_KEY));
		assertThat(this.scheduler.heldKeys()).isEqualTo(2);
		assertThat(this.scheduler.excludedKeys()).containsExactly(new RecordKey("orders", "held"));
		this.scheduler.add(List.of(row(3, "parked")), NOW);
		assertThat(this.scheduler.takeWork()).extracting(KeyWork::kind).containsExactly(KeyWork.Kind.PARK);

		assertThat(this.scheduler.releaseAllBut(Set.of(new RecordKey("orders", "held")))).isOne();
		List<KeyWork> release = this.scheduler.takeWork();
		assertThat(release).singleElement().satisfies((work) -> {
			assertThat(work.kind()).isEqualTo(KeyWork.Kind.RELEASE);
			assertThat(work.key()).isEqualTo(new RecordKey("orders", "parked"));
			assertThat(work.ids()).containsExactly(3L);
		});
		this.scheduler.keyReleased(release.get(0), NOW);
		assertThat(this.scheduler.heldKeys()).isOne();
		assertThat(this.scheduler.isKnown(3)).as("unmarked, to be marked again in id order").isFalse();
		this.scheduler.add(List.of(row(3, "parked"), row(4, "parked")), NOW);
		this.scheduler.dispatch(NOW);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(3L);
	}

	@Test
	void rowsOfAHeldKeyThatArriveAnywayAreHandedBackToBeUnmarked() {
		this.scheduler.loadHolds(Map.of(new RecordKey("orders", "held"), PoisonPolicy.HOLD_KEY));
		this.scheduler.add(List.of(row(7, "held"), row(8, "free")), NOW);
		this.scheduler.dispatch(NOW);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(8L);
		List<KeyWork> work = this.scheduler.takeWork();
		assertThat(work).singleElement().satisfies((unmark) -> {
			assertThat(unmark.kind()).isEqualTo(KeyWork.Kind.UNMARK);
			assertThat(unmark.ids()).containsExactly(7L);
		});
		this.scheduler.rowsLeft(work.get(0), NOW);
		assertThat(this.scheduler.isKnown(7)).isFalse();
		assertThat(this.scheduler.heldKeys()).isOne();
	}

	@Test
	void failedWorkComesBackUnchanged() {
		this.scheduler.add(List.of(defective(1, "a")), NOW);
		this.scheduler.dispatch(NOW);
		KeyWork decide = this.scheduler.takeWork().get(0);
		this.scheduler.workFailed(decide);
		assertThat(this.scheduler.takeWork()).containsExactly(decide);
	}

	@Test
	void droppingUnsentRecordsKeepsThoseInFlightAndTheirKeysBusy() {
		this.scheduler.add(List.of(row(1, "a"), row(2, "a"), row(3, "b")), NOW);
		this.scheduler.dispatch(NOW);
		ScheduledRecord sending = this.scheduler.take(0, NOW);
		assertThat(this.scheduler.dropUnsent(NOW)).isEqualTo(2);
		assertThat(this.scheduler.inFlight()).isOne();
		assertThat(this.scheduler.queued()).isZero();
		assertThat(this.scheduler.isKnown(1)).isTrue();
		assertThat(this.scheduler.isKnown(2)).isFalse();
		assertThat(this.scheduler.isKnown(3)).isFalse();

		this.scheduler.add(List.of(row(2, "a"), row(4, "a")), NOW);
		this.scheduler.dispatch(NOW);
		assertThat(this.scheduler.hasBuffered(0)).as("key a is still busy").isFalse();
		this.scheduler.acked(sending, NOW);
		this.scheduler.purged(List.of(sending.id()));
		this.scheduler.dispatch(NOW);
		assertThat(takeAll(this.scheduler, 0)).containsExactly(2L);
	}

	@Test
	void purgeBatchesTakeTheOldestAcknowledgementsFirst() {
		List<OutboxRow> rows = new ArrayList<>();
		for (int i = 1; i <= 5; i++) {
			rows.add(row(i, "k" + i));
		}
		this.scheduler.add(rows, NOW);
		this.scheduler.dispatch(NOW);
		List<ScheduledRecord> taken = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			taken.add(this.scheduler.take(0, NOW));
		}
		for (int i = 4; i >= 0; i--) {
			this.scheduler.acked(taken.get(i), NOW + (4 - i));
		}
		assertThat(this.scheduler.oldestAckNanos()).isEqualTo(NOW);
		assertThat(this.scheduler.purgeBatch(2)).containsExactly(5L, 4L);
		this.scheduler.purged(List.of(5L, 4L));
		assertThat(this.scheduler.purgeBatch(10)).containsExactly(3L, 2L, 1L);
		assertThat(this.scheduler.oldestAckNanos()).isEqualTo(NOW + 2);
	}

	@Test
	void reportsRecordsInFlightForTooLongOnce() {
		this.scheduler.add(List.of(row(1, "a")), NOW);
		this.scheduler.dispatch(NOW);
		this.scheduler.take(0, NOW);
		assertThat(this.scheduler.newlyStalled(NOW + 50, 100)).isEmpty();
		assertThat(this.scheduler.newlyStalled(NOW + 100, 100)).extracting(ScheduledRecord::id).containsExactly(1L);
		assertThat(this.scheduler.newlyStalled(NOW + 200, 100)).isEmpty();
	}

	private static List<Long> takeAll(KeyScheduler scheduler, int shard) {
		List<Long> ids = new ArrayList<>();
		ScheduledRecord record = scheduler.take(shard, NOW);
		while (record != null) {
			ids.add(record.id());
			record = scheduler.take(shard, NOW);
		}
		return ids;
	}

	static OutboxRow row(long id, String key) {
		return new OutboxRow(id, Instant.EPOCH, OutboxRecord.builder("orders", key).value("v" + id).build(), null);
	}

	static OutboxRow defective(long id, String key) {
		return new OutboxRow(id, Instant.EPOCH, OutboxRecord.builder("orders", key).build(), "unequal header arrays");
	}

}
