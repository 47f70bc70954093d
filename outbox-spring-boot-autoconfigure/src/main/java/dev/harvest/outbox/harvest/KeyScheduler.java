package dev.harvest.outbox.harvest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.ScheduledRecord.State;
import dev.harvest.outbox.jdbc.OutboxRow;

/**
 * Orders marked records per key and hands them to sender shards: records of a key wait in id
 * order, at most one record per key is in flight, and a key that is busy, backing off or held
 * never holds up other keys. Keys that need the database before they can go on (a record that
 * cannot be published, rows of a held or parked key, a key an operator released) wait as
 * {@link KeyWork} for the marker. Also remembers acknowledged ids until they are purged, so
 * that a row in hand is never taken twice, and keeps a key busy until its acknowledged row is
 * purged: should the leader die, at most the latest record of a key is sent again, never an
 * earlier one after a later one. Not thread-safe: the caller guards it with one lock,
 * and it never blocks.
 */
final class KeyScheduler {

	private final int shardCount;

	private final int sendBuffer;

	private final int maxInFlight;

	private final Map<RecordKey, KeyQueue> keys = new HashMap<>();

	/** Records in hand and not acknowledged: queued, dispatched, in flight or poisoned. */
	private final Map<Long, ScheduledRecord> records = new HashMap<>();

	/** Acknowledged ids waiting to be purged, in acknowledgement order, with their ack time. */
	private final LinkedHashMap<Long, PendingPurge> acked = new LinkedHashMap<>();

	/** Keys with records queued behind an acknowledged row that is not purged yet. */
	private final Set<KeyQueue> waitingOnPurge = new HashSet<>();

	private final List<ArrayDeque<KeyQueue>> ready = new ArrayList<>();

	private final List<ArrayDeque<ScheduledRecord>> buffers = new ArrayList<>();

	private final PriorityQueue<KeyQueue> backingOff = new PriorityQueue<>(
			Comparator.comparingLong((KeyQueue queue) -> queue.retryAtNanos));

	/** Keys that need the database before they can go on, in the order they came to need it. */
	private final ArrayDeque<KeyQueue> work = new ArrayDeque<>();

	/** Keys whose rows are not to be marked while they are held. */
	private final Set<RecordKey> excluded = new LinkedHashSet<>();

	private int queued;

	private int inFlight;

	private int heldKeys;

	private int nextShard;

	KeyScheduler(int shardCount, int sendBuffer, int maxInFlight) {
		this.shardCount = shardCount;
		this.sendBuffer = sendBuffer;
		this.maxInFlight = maxInFlight;
		for (int i = 0; i < shardCount; i++) {
			this.ready.add(new ArrayDeque<>());
			this.buffers.add(new ArrayDeque<>());
		}
	}

	/**
	 * Takes marked rows into memory, each behind the queued records of its key in id order.
	 * Rows already in hand (queued, in flight, or acknowledged and not yet purged) are ignored.
	 * @param rows the rows
	 * @param nowNanos the current time
	 * @return the number of rows taken
	 */
	int add(Collection<OutboxRow> rows, long nowNanos) {
		int added = 0;
		for (OutboxRow row : rows) {
			if (isKnown(row.id())) {
				continue;
			}
			RecordKey key = new RecordKey(row.record().topic(), row.record().key());
			KeyQueue queue = this.keys.computeIfAbsent(key, (k) -> new KeyQueue(k, k.shard(this.shardCount)));
			ScheduledRecord record = new ScheduledRecord(row, key, queue.shard, nowNanos);
			insertInIdOrder(queue.records, record);
			this.records.put(row.id(), record);
			this.queued++;
			added++;
			if (queue.awaitingPurge) {
				this.waitingOnPurge.add(queue);
			}
			afterChange(queue);
		}
		return added;
	}

	/**
	 * Whether a row is in hand: queued, in flight, poisoned, or acknowledged and not purged.
	 * @param id the row id
	 * @return {@code true} when the row is in hand
	 */
	boolean isKnown(long id) {
		return this.records.containsKey(id) || this.acked.containsKey(id);
	}

	/**
	 * Moves the head records of ready keys into the shard buffers, as long as a shard has room
	 * and the in-flight cap allows; keys whose backoff is over become ready first. A defective
	 * head record makes its key wait for a poison decision instead.
	 * @param nowNanos the current time
	 * @return the shards that were given records
	 */
	BitSet dispatch(long nowNanos) {
		promoteDue(nowNanos);
		BitSet fed = new BitSet(this.shardCount);
		boolean progress = true;
		while (progress && this.inFlight < this.maxInFlight) {
			progress = false;
			for (int i = 0; i < this.shardCount && this.inFlight < this.maxInFlight; i++) {
				int shard = (this.nextShard + i) % this.shardCount;
				if (this.buffers.get(shard).size() >= this.sendBuffer) {
					continue;
				}
				KeyQueue queue = pollReady(shard);
				if (queue == null) {
					continue;
				}
				ScheduledRecord record = queue.records.pollFirst();
				this.queued--;
				progress = true;
				if (record.row().isDefective()) {
					poison(queue, record, nowNanos);
					continue;
				}
				queue.busy = true;
				record.moveTo(State.DISPATCHED, nowNanos);
				this.buffers.get(shard).addLast(record);
				this.inFlight++;
				fed.set(shard);
			}
			this.nextShard = (this.nextShard + 1) % this.shardCount;
		}
		return fed;
	}

	/**
	 * Takes the next record of a shard's buffer for sending.
	 * @param shard the shard
	 * @param nowNanos the current time
	 * @return the record, or {@code null} when the buffer is empty
	 */
	@Nullable ScheduledRecord take(int shard, long nowNanos) {
		ScheduledRecord record = this.buffers.get(shard).pollFirst();
		if (record != null) {
			record.moveTo(State.SENDING, nowNanos);
		}
		return record;
	}

	boolean hasBuffered(int shard) {
		return !this.buffers.get(shard).isEmpty();
	}

	/**
	 * Records that Kafka acknowledged a record: its key is free at once, and its id is kept
	 * until purged.
	 * @param record the record
	 * @param nowNanos the current time
	 */
	void acked(ScheduledRecord record, long nowNanos) {
		KeyQueue queue = endSending(record);
		// The key stays busy until the row is deleted.
		queue.awaitingPurge = true;
		this.acked.put(record.id(), new PendingPurge(nowNanos, queue, record.sentEpoch()));
		if (!queue.records.isEmpty()) {
			this.waitingOnPurge.add(queue);
		}
	}

	/**
	 * Puts a failed record back at its place in its key's queue; the key waits until
	 * {@code retryAtNanos} and then sends this record before any later one.
	 * @param record the record
	 * @param retryAtNanos when the key may send again
	 * @param nowNanos the current time
	 */
	void retry(ScheduledRecord record, long retryAtNanos, long nowNanos) {
		KeyQueue queue = releaseKey(record);
		this.inFlight--;
		record.moveTo(State.QUEUED, nowNanos);
		insertInIdOrder(queue.records, record);
		this.queued++;
		queue.retryAtNanos = retryAtNanos;
		queue.backingOff = true;
		this.backingOff.add(queue);
		afterChange(queue);
	}

	/**
	 * Holds a record that ran out of attempts, with its key, until the poison policy is
	 * applied.
	 * @param record the record
	 * @param nowNanos the current time
	 */
	void exhausted(ScheduledRecord record, long nowNanos) {
		KeyQueue queue = releaseKey(record);
		this.inFlight--;
		poison(queue, record, nowNanos);
	}

	/**
	 * Forgets a record that was in flight when leadership ended and then failed: the next
	 * leader will mark it again.
	 * @param record the record
	 */
	void forget(ScheduledRecord record) {
		finishSending(record);
	}

	/**
	 * Returns and clears the keys that need the database, each with a snapshot of what is to
	 * be done; a key whose work fails comes back with {@link #workFailed(KeyWork)}.
	 * @return the work, in the order keys came to need it
	 */
	List<KeyWork> takeWork() {
		List<KeyWork> taken = new ArrayList<>(this.work.size());
		for (KeyQueue queue : this.work) {
			queue.inWork = false;
			List<Long> ids = queue.records.stream().map(ScheduledRecord::id).toList();
			if (queue.hold == Hold.PENDING) {
				taken.add(new KeyWork(KeyWork.Kind.DECIDE, queue.key, queue.poisoned, ids));
			}
			else if (queue.releaseRequested) {
				taken.add(new KeyWork(KeyWork.Kind.RELEASE, queue.key, null, ids));
			}
			else if (!ids.isEmpty() && queue.hold == Hold.PARKED) {
				taken.add(new KeyWork(KeyWork.Kind.PARK, queue.key, null, ids));
			}
			else if (!ids.isEmpty() && queue.hold == Hold.HELD) {
				taken.add(new KeyWork(KeyWork.Kind.UNMARK, queue.key, null, ids));
			}
		}
		this.work.clear();
		return taken;
	}

	boolean hasWork() {
		return !this.work.isEmpty();
	}

	/**
	 * The poisoned record moved to quarantine and its key is held: the records of the key
	 * that were queued lost their leader id in the same transaction and are dropped, and the
	 * key's rows are left out of marking until it is released.
	 * @param work the decision
	 * @param nowNanos the current time
	 */
	void keyHeld(KeyWork work, long nowNanos) {
		KeyQueue queue = poisonedQueue(work);
		if (queue == null) {
			return;
		}
		finishPoisoned(queue, nowNanos);
		drop(queue, work.ids(), nowNanos);
		queue.hold = Hold.HELD;
		this.excluded.add(queue.key);
		afterChange(queue);
	}

	/**
	 * The poisoned record moved to quarantine and its key is parked: its queued and later
	 * records follow it into quarantine as they come.
	 * @param work the decision
	 * @param nowNanos the current time
	 */
	void keyParked(KeyWork work, long nowNanos) {
		KeyQueue queue = poisonedQueue(work);
		if (queue == null) {
			return;
		}
		finishPoisoned(queue, nowNanos);
		queue.hold = Hold.PARKED;
		afterChange(queue);
	}

	/**
	 * The poisoned record left the outbox and its key goes on with its next record: the
	 * record was quarantined without holding its key, or it was no longer in the outbox.
	 * @param work the decision
	 * @param nowNanos the current time
	 */
	void keyContinues(KeyWork work, long nowNanos) {
		KeyQueue queue = poisonedQueue(work);
		if (queue == null) {
			return;
		}
		finishPoisoned(queue, nowNanos);
		unhold(queue);
	}

	/**
	 * Rows of a held or parked key left the outbox (parked) or lost their leader id
	 * (unmarked), so they are dropped from memory; the key stays as it is.
	 * @param work the work that was done
	 * @param nowNanos the current time
	 */
	void rowsLeft(KeyWork work, long nowNanos) {
		KeyQueue queue = this.keys.get(work.key());
		if (queue != null) {
			drop(queue, work.ids(), nowNanos);
			afterChange(queue);
		}
	}

	/**
	 * A held or parked key is no longer held in quarantine: the records of it that were in
	 * memory lost their leader id and are dropped, and the key goes on. Its rows must then be
	 * marked again from the head of the outbox, so that they go out in id order.
	 * @param work the release
	 * @param nowNanos the current time
	 */
	void keyReleased(KeyWork work, long nowNanos) {
		KeyQueue queue = this.keys.get(work.key());
		if (queue == null || queue.hold == Hold.NONE || queue.hold == Hold.PENDING) {
			return;
		}
		drop(queue, work.ids(), nowNanos);
		queue.releaseRequested = false;
		unhold(queue);
	}

	/**
	 * Puts a key whose work failed back into the work queue, unchanged.
	 * @param work the work
	 */
	void workFailed(KeyWork work) {
		KeyQueue queue = this.keys.get(work.key());
		if (queue != null) {
			afterChange(queue);
		}
	}

	/**
	 * Takes up the keys held in quarantine, as a new leader must before it marks: held keys
	 * are left out of marking, and the rows of parked keys go to quarantine as they come.
	 * @param heldKeys the held keys and their policies
	 */
	void loadHolds(Map<RecordKey, PoisonPolicy> heldKeys) {
		heldKeys.forEach((key, policy) -> {
			KeyQueue queue = this.keys.computeIfAbsent(key, (k) -> new KeyQueue(k, k.shard(this.shardCount)));
			if (queue.hold != Hold.NONE) {
				return;
			}
			this.heldKeys++;
			if (policy == PoisonPolicy.PARK_KEY) {
				queue.hold = Hold.PARKED;
			}
			else {
				queue.hold = Hold.HELD;
				this.excluded.add(key);
			}
			afterChange(queue);
		});
	}

	/**
	 * Asks for the release of every held or parked key that quarantine no longer holds.
	 * @param stillHeld the keys quarantine holds
	 * @return the number of keys to release
	 */
	int releaseAllBut(Set<RecordKey> stillHeld) {
		int released = 0;
		for (KeyQueue queue : this.keys.values()) {
			if ((queue.hold == Hold.HELD || queue.hold == Hold.PARKED) && !queue.releaseRequested
					&& !stillHeld.contains(queue.key)) {
				queue.releaseRequested = true;
				offerWork(queue);
				released++;
			}
		}
		return released;
	}

	/**
	 * Returns the keys whose rows are not to be marked.
	 * @return the held keys
	 */
	Set<RecordKey> excludedKeys() {
		return Set.copyOf(this.excluded);
	}

	/**
	 * Drops every record that has not been sent (queued, buffered, poisoned), every key hold
	 * and all work on keys, as when leadership ends. Records in flight stay until Kafka answers.
	 * @param nowNanos the current time
	 * @return the number of records dropped
	 */
	int dropUnsent(long nowNanos) {
		int dropped = 0;
		for (ArrayDeque<ScheduledRecord> buffer : this.buffers) {
			for (ScheduledRecord record : buffer) {
				this.keys.get(record.key()).busy = false;
				this.inFlight--;
			}
			buffer.clear();
		}
		for (Iterator<ScheduledRecord> iterator = this.records.values().iterator(); iterator.hasNext();) {
			ScheduledRecord record = iterator.next();
			if (record.state() != State.SENDING) {
				record.moveTo(State.DONE, nowNanos);
				iterator.remove();
				dropped++;
			}
		}
		for (ArrayDeque<KeyQueue> keysReady : this.ready) {
			keysReady.clear();
		}
		this.backingOff.clear();
		this.work.clear();
		this.excluded.clear();
		for (KeyQueue queue : this.keys.values()) {
			queue.records.clear();
			queue.hold = Hold.NONE;
			queue.poisoned = null;
			queue.releaseRequested = false;
			queue.inWork = false;
			queue.backingOff = false;
			queue.inReady = false;
		}
		this.keys.values().removeIf((queue) -> !queue.busy);
		this.queued = 0;
		this.heldKeys = 0;
		return dropped;
	}

	/**
	 * Returns up to {@code max} of the oldest acknowledged ids, all sent under the epoch of the
	 * oldest (see {@link #oldestPurgeEpoch()}), leaving them pending until
	 * {@link #purged(Collection)} is called.
	 * @param max the most ids
	 * @return the ids in acknowledgement order
	 */
	List<Long> purgeBatch(int max) {
		List<Long> batch = new ArrayList<>(Math.min(max, this.acked.size()));
		long epoch = oldestPurgeEpoch();
		for (Map.Entry<Long, PendingPurge> pending : this.acked.entrySet()) {
			if (batch.size() >= max || pending.getValue().epoch() != epoch) {
				break;
			}
			batch.add(pending.getKey());
		}
		return batch;
	}

	/**
	 * Returns the epoch the oldest acknowledged id was sent under.
	 * @return the epoch, or zero when nothing is pending
	 */
	long oldestPurgeEpoch() {
		Iterator<PendingPurge> pending = this.acked.values().iterator();
		return pending.hasNext() ? pending.next().epoch() : 0;
	}

	/**
	 * Forgets purged ids and frees their keys.
	 * @param ids the ids
	 */
	void purged(Collection<Long> ids) {
		for (Long id : ids) {
			PendingPurge pending = this.acked.remove(id);
			if (pending != null) {
				KeyQueue queue = pending.queue();
				queue.awaitingPurge = false;
				queue.busy = false;
				this.waitingOnPurge.remove(queue);
				afterChange(queue);
				removeIfIdle(queue);
			}
		}
	}

	/**
	 * Whether a key has records waiting for its acknowledged row to be purged, so that the
	 * purge should not wait for its batch to fill.
	 * @return {@code true} when a key waits on a purge
	 */
	boolean keyWaitsOnPurge() {
		return !this.waitingOnPurge.isEmpty();
	}

	int pendingPurges() {
		return this.acked.size();
	}

	/**
	 * Returns when the oldest pending purge was acknowledged.
	 * @return the time, or {@link Long#MAX_VALUE} when nothing is pending
	 */
	long oldestAckNanos() {
		Iterator<PendingPurge> pending = this.acked.values().iterator();
		return pending.hasNext() ? pending.next().ackedNanos() : Long.MAX_VALUE;
	}

	/**
	 * Returns when the next backing-off key may send again.
	 * @return the time, or {@link Long#MAX_VALUE} when no key is backing off
	 */
	long nextRetryNanos() {
		KeyQueue next = this.backingOff.peek();
		return (next != null) ? next.retryAtNanos : Long.MAX_VALUE;
	}

	/**
	 * Returns records that have been handed to a shard for longer than {@code timeoutNanos}
	 * and were not reported before; each is reported once per attempt.
	 * @param nowNanos the current time
	 * @param timeoutNanos the stall threshold
	 * @return the newly stalled records
	 */
	List<ScheduledRecord> newlyStalled(long nowNanos, long timeoutNanos) {
		List<ScheduledRecord> stalled = new ArrayList<>();
		for (ScheduledRecord record : this.records.values()) {
			if ((record.state() == State.SENDING || record.state() == State.DISPATCHED) && !record.stallReported()
					&& nowNanos - record.sinceNanos() >= timeoutNanos) {
				record.stallReported(true);
				stalled.add(record);
			}
		}
		return stalled;
	}

	/** Records marked and waiting in memory, not yet handed to a shard. */
	int queued() {
		return this.queued;
	}

	/** Records handed to a shard and not yet answered by Kafka. */
	int inFlight() {
		return this.inFlight;
	}

	int heldKeys() {
		return this.heldKeys;
	}

	/**
	 * Returns the record keys that have a record in flight.
	 * @return the keys
	 */
	Set<String> inFlightKeys() {
		Set<String> busy = new LinkedHashSet<>();
		for (KeyQueue queue : this.keys.values()) {
			if (queue.busy && !queue.awaitingPurge) {
				busy.add(queue.key.key());
			}
		}
		return busy;
	}

	int buffered(int shard) {
		return this.buffers.get(shard).size();
	}

	private void finishSending(ScheduledRecord record) {
		KeyQueue queue = endSending(record);
		queue.busy = false;
		afterChange(queue);
		removeIfIdle(queue);
	}

	/**
	 * Forgets a record that Kafka answered for; its key stays as busy as it was.
	 */
	private KeyQueue endSending(ScheduledRecord record) {
		this.inFlight--;
		this.records.remove(record.id());
		record.moveTo(State.DONE, record.sinceNanos());
		return this.keys.get(record.key());
	}

	private KeyQueue releaseKey(ScheduledRecord record) {
		KeyQueue queue = this.keys.get(record.key());
		queue.busy = false;
		return queue;
	}

	private void poison(KeyQueue queue, ScheduledRecord record, long nowNanos) {
		// The key waits while the policy is applied, so that nothing overtakes the record.
		if (queue.hold == Hold.NONE) {
			this.heldKeys++;
		}
		queue.hold = Hold.PENDING;
		queue.poisoned = record;
		this.excluded.remove(queue.key);
		record.moveTo(State.POISONED, nowNanos);
		offerWork(queue);
	}

	private @Nullable KeyQueue poisonedQueue(KeyWork work) {
		KeyQueue queue = this.keys.get(work.key());
		if (queue == null || queue.hold != Hold.PENDING || queue.poisoned != work.poisoned()) {
			return null;
		}
		return queue;
	}

	private void finishPoisoned(KeyQueue queue, long nowNanos) {
		ScheduledRecord record = queue.poisoned;
		queue.poisoned = null;
		if (record != null) {
			this.records.remove(record.id());
			record.moveTo(State.DONE, nowNanos);
		}
	}

	private void unhold(KeyQueue queue) {
		if (queue.hold != Hold.NONE) {
			this.heldKeys--;
		}
		queue.hold = Hold.NONE;
		this.excluded.remove(queue.key);
		afterChange(queue);
		removeIfIdle(queue);
	}

	private void drop(KeyQueue queue, Collection<Long> ids, long nowNanos) {
		if (ids.isEmpty()) {
			return;
		}
		Set<Long> dropping = new HashSet<>(ids);
		for (Iterator<ScheduledRecord> iterator = queue.records.iterator(); iterator.hasNext();) {
			ScheduledRecord record = iterator.next();
			if (dropping.contains(record.id())) {
				iterator.remove();
				this.records.remove(record.id());
				record.moveTo(State.DONE, nowNanos);
				this.queued--;
			}
		}
	}

	/**
	 * Puts a key where its state says it belongs: among the ready keys of its shard, or
	 * among the keys that need the database.
	 */
	private void afterChange(KeyQueue queue) {
		if (queue.needsWork()) {
			offerWork(queue);
		}
		else {
			offerReady(queue);
		}
	}

	private void offerWork(KeyQueue queue) {
		if (!queue.inWork) {
			queue.inWork = true;
			this.work.addLast(queue);
		}
	}

	private void promoteDue(long nowNanos) {
		KeyQueue next = this.backingOff.peek();
		while (next != null && next.retryAtNanos - nowNanos <= 0) {
			this.backingOff.poll();
			next.backingOff = false;
			offerReady(next);
			next = this.backingOff.peek();
		}
	}

	private @Nullable KeyQueue pollReady(int shard) {
		ArrayDeque<KeyQueue> keysReady = this.ready.get(shard);
		KeyQueue queue = keysReady.pollFirst();
		while (queue != null) {
			queue.inReady = false;
			if (queue.isReady()) {
				return queue;
			}
			removeIfIdle(queue);
			queue = keysReady.pollFirst();
		}
		return null;
	}

	private void offerReady(KeyQueue queue) {
		if (!queue.inReady && queue.isReady()) {
			queue.inReady = true;
			this.ready.get(queue.shard).addLast(queue);
		}
	}

	private void removeIfIdle(KeyQueue queue) {
		if (queue.records.isEmpty() && !queue.busy && queue.hold == Hold.NONE && !queue.backingOff && !queue.inReady
				&& !queue.inWork) {
			this.keys.remove(queue.key, queue);
		}
	}

	private static void insertInIdOrder(ArrayDeque<ScheduledRecord> queue, ScheduledRecord record) {
		ScheduledRecord last = queue.peekLast();
		if (last == null || last.id() < record.id()) {
			queue.addLast(record);
			return;
		}
		ScheduledRecord first = queue.peekFirst();
		if (first.id() > record.id()) {
			queue.addFirst(record);
			return;
		}
		// A late-committed row lands among its key's queued records: rare, so rebuild.
		List<ScheduledRecord> ordered = new ArrayList<>(queue);
		int index = 0;
		while (index < ordered.size() && ordered.get(index).id() < record.id()) {
			index++;
		}
		ordered.add(index, record);
		queue.clear();
		queue.addAll(ordered);
	}

	/**
	 * The queue and state of one key.
	 */
	private static final class KeyQueue {

		final RecordKey key;

		final int shard;

		final ArrayDeque<ScheduledRecord> records = new ArrayDeque<>();

		/** A record of this key is dispatched, in flight, or acknowledged and not purged. */
		boolean busy;

		/** The key's acknowledged row is not purged yet. */
		boolean awaitingPurge;

		/** Whether, and how, the key is blocked behind a record that cannot be published. */
		Hold hold = Hold.NONE;

		/** The record waiting for the poison policy, while the hold is pending. */
		@Nullable ScheduledRecord poisoned;

		/** Quarantine no longer holds the key; its release waits for the marker. */
		boolean releaseRequested;

		boolean inWork;

		boolean backingOff;

		long retryAtNanos;

		boolean inReady;

		KeyQueue(RecordKey key, int shard) {
			this.key = key;
			this.shard = shard;
		}

		boolean isReady() {
			return !this.busy && this.hold == Hold.NONE && !this.backingOff && !this.records.isEmpty();
		}

		boolean needsWork() {
			return this.hold == Hold.PENDING || this.releaseRequested
					|| ((this.hold == Hold.HELD || this.hold == Hold.PARKED) && !this.records.isEmpty());
		}

	}

	/**
	 * An acknowledged row waiting to be purged.
	 *
	 * @param ackedNanos when Kafka acknowledged it
	 * @param queue its key
	 * @param epoch the epoch it was sent under
	 */
	private record PendingPurge(long ackedNanos, KeyQueue queue, long epoch) {
	}

	/**
	 * Whether and how a key is blocked behind a record that cannot be published.
	 */
	private enum Hold {

		/** Not blocked. */
		NONE,

		/** Waiting while the poison policy is applied to its record. */
		PENDING,

		/** Held: its rows wait in the outbox and are not marked. */
		HELD,

		/** Parked: its rows follow its poison record into quarantine. */
		PARKED

	}

}
