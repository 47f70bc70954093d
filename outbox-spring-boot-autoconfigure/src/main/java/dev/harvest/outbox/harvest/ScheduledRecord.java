package dev.harvest.outbox.harvest;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.OutboxRow;

/**
 * An outbox row in the harvester's memory, with its place in the pipeline and its attempts.
 * Guarded by the lock of the {@link KeyScheduler} that holds it.
 */
final class ScheduledRecord {

	private final OutboxRow row;

	private final RecordKey key;

	private final int shard;

	private State state = State.QUEUED;

	private long sinceNanos;

	private int attempts;

	private @Nullable Throwable lastFailure;

	private @Nullable Instant firstFailureTime;

	private @Nullable Instant lastFailureTime;

	private boolean stallReported;

	private long sentEpoch;

	ScheduledRecord(OutboxRow row, RecordKey key, int shard, long nowNanos) {
		this.row = row;
		this.key = key;
		this.shard = shard;
		this.sinceNanos = nowNanos;
	}

	OutboxRow row() {
		return this.row;
	}

	long id() {
		return this.row.id();
	}

	RecordKey key() {
		return this.key;
	}

	int shard() {
		return this.shard;
	}

	State state() {
		return this.state;
	}

	void moveTo(State state, long nowNanos) {
		this.state = state;
		this.sinceNanos = nowNanos;
		this.stallReported = false;
	}

	long sinceNanos() {
		return this.sinceNanos;
	}

	int attempts() {
		return this.attempts;
	}

	void failed(Throwable failure, boolean counted, Instant time) {
		if (counted) {
			this.attempts++;
		}
		this.lastFailure = failure;
		if (this.firstFailureTime == null) {
			this.firstFailureTime = time;
		}
		this.lastFailureTime = time;
	}

	@Nullable Throwable lastFailure() {
		return this.lastFailure;
	}

	@Nullable Instant firstFailureTime() {
		return this.firstFailureTime;
	}

	@Nullable Instant lastFailureTime() {
		return this.lastFailureTime;
	}

	/**
	 * Returns the leadership epoch the record was last handed to a producer under; its purge
	 * only takes effect while that epoch is current.
	 * @return the epoch, or zero before the first send
	 */
	long sentEpoch() {
		return this.sentEpoch;
	}

	void sentUnder(long epoch) {
		this.sentEpoch = epoch;
	}

	boolean stallReported() {
		return this.stallReported;
	}

	void stallReported(boolean stallReported) {
		this.stallReported = stallReported;
	}

	@Override
	public String toString() {
		return "outbox row " + this.row.id() + " (" + this.key + ")";
	}

	/**
	 * Where a record is in the pipeline.
	 */
	enum State {

		/** Waiting in its key's queue, possibly behind a busy, backing-off or held key. */
		QUEUED,

		/** Handed to a shard's buffer; holds its key. */
		DISPATCHED,

		/** Taken by a shard and sent (or being sent) to Kafka; holds its key. */
		SENDING,

		/** Waiting for the poison handler's decision; holds its key. */
		POISONED,

		/** Acknowledged, forgotten or dropped; no longer in the scheduler. */
		DONE

	}

}
