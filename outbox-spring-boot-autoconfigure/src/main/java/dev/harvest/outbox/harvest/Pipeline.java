package dev.harvest.outbox.harvest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.event.RecordPublishFailed;
import dev.harvest.outbox.jdbc.OutboxRow;
import dev.harvest.outbox.kafka.SendFailureClassifier;
import dev.harvest.outbox.kafka.SendFailureKind;

/**
 * The harvester's shared state: leadership, the {@link KeyScheduler}, shard and purge
 * bookkeeping, counters and the last error, all behind one lock, with the conditions the
 * marker, shard and purge threads wait on. Nothing here does I/O, so that producer callbacks
 * may call in; every wait is bounded.
 */
final class Pipeline {

	/** Longest single wait, so that a lost signal costs at most this much. */
	static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private static final Log logger = LogFactory.getLog(Pipeline.class);

	private static final long NO_RETRY = Long.MIN_VALUE;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition markerWork = this.lock.newCondition();

	private final Condition purgerWork = this.lock.newCondition();

	private final Condition progress = this.lock.newCondition();

	private final Condition[] shardWork;

	private final ShardState[] shards;

	private final KeyScheduler scheduler;

	private final Config config;

	private final Limits limits;

	private final RetryBackoff retryBackoff;

	private final SendFailureClassifier classifier = new SendFailureClassifier();

	private final Clock clock;

	private final Meter meter;

	private @Nullable Term term;

	private boolean leading;

	private boolean acquireRequested;

	private long generation;

	private long acquireNotBeforeNanos;

	private boolean refreshNeeded;

	private boolean paused;

	private boolean stopping;

	private boolean shutdown;

	private boolean wakeUpRequested;

	private boolean holdsLoaded;

	private boolean holdCheckRequested;

	private long nextHoldCheckNanos;

	private long ackSequence;

	private long purgedSequence;

	private long flushTarget;

	private long purgeFailures;

	/** The first of the unbroken run of epochs this harvester has held, up to its latest. */
	private long epochRunStart;

	/** The latest epoch this harvester has held. */
	private long latestEpoch;

	private long purgeRetryAtNanos;

	private long marked;

	private long published;

	private volatile HarvestObserver observer = HarvestObserver.NONE;

	private final EventRelay recordEvents;

	private long failed;

	private long retried;

	private long purged;

	private long late;

	/** The highest id marked in the current term: a row marked below it committed late. */
	private long highestMarkedId;

	private long refreshes;

	private volatile @Nullable HarvestError lastError;

	Pipeline(Config config, RetryBackoff retryBackoff, Meter meter, EventRelay recordEvents, Clock clock) {
		this.config = config;
		this.meter = meter;
		this.recordEvents = recordEvents;
		this.limits = config.limits();
		this.retryBackoff = retryBackoff;
		this.clock = clock;
		int shardCount = this.limits.sendConcurrency();
		this.scheduler = new KeyScheduler(shardCount, this.limits.sendBuffer(), this.limits.maxInFlightRecords());
		this.purgeRetryAtNanos = System.nanoTime();
		this.shardWork = new Condition[shardCount];
		this.shards = new ShardState[shardCount];
		for (int i = 0; i < shardCount; i++) {
			this.shardWork[i] = this.lock.newCondition();
			this.shards[i] = new ShardState();
		}
	}

	// Leadership

	/**
	 * Asks the marker to take a new epoch and lead; called on the election thread, so it only
	 * flips state.
	 */
	void requestAcquire() {
		requestAcquire(0);
	}

	/**
	 * Asks the marker to take a new epoch once {@code delay} has passed, unless leadership
	 * ends meanwhile.
	 * @param delayNanos how long to wait
	 */
	void requestAcquire(long delayNanos) {
		this.lock.lock();
		try {
			if (this.stopping || this.shutdown || this.leading) {
				return;
			}
			this.acquireRequested = true;
			this.acquireNotBeforeNanos = System.nanoTime() + delayNanos;
			this.generation++;
			this.markerWork.signal();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Starts leading with a term the marker acquired, unless the request was withdrawn
	 * meanwhile.
	 * @param requestGeneration the generation of the acquire request
	 * @param newTerm the acquired term
	 * @return {@code true} when this instance now leads with {@code newTerm}
	 */
	boolean startLeading(long requestGeneration, Term newTerm) {
		this.lock.lock();
		try {
			if (requestGeneration != this.generation || !this.acquireRequested || this.stopping || this.shutdown) {
				return false;
			}
			this.acquireRequested = false;
			this.term = newTerm;
			// No other leader held an epoch between two consecutive ones of this harvester.
			if (this.latestEpoch == 0 || newTerm.epoch() != this.latestEpoch + 1) {
				this.epochRunStart = newTerm.epoch();
			}
			this.latestEpoch = newTerm.epoch();
			this.highestMarkedId = 0;
			this.leading = true;
			this.refreshNeeded = false;
			this.holdsLoaded = false;
			this.wakeUpRequested = true;
			signalAll();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Stops leading: no more marking or sending, unsent records dropped from memory (they stay
	 * marked in the database and the next leader reclaims them). Records in flight finish.
	 * @param expected the term to end, or {@code null} for whatever term is current
	 * @param clearTerm whether to forget the leader id at once
	 * @return {@code true} when this instance was leading (or about to) and stopped
	 */
	boolean stopLeading(@Nullable Term expected, boolean clearTerm) {
		this.lock.lock();
		try {
			if (expected != null && (this.term != expected || !this.leading)) {
				return false;
			}
			boolean wasLeading = this.leading;
			this.leading = false;
			this.acquireRequested = false;
			this.refreshNeeded = false;
			this.generation++;
			int dropped = this.scheduler.dropUnsent(System.nanoTime());
			if (dropped > 0) {
				logger.debug("Dropped " + dropped + " unsent records of harvester '" + this.config.name()
						+ "' from memory; the next leader marks them again");
			}
			if (clearTerm) {
				this.term = null;
			}
			signalAll();
			return wasLeading;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Forgets the leader id once a revoke has drained.
	 */
	void clearTerm() {
		this.lock.lock();
		try {
			if (!this.leading) {
				this.term = null;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Replaces the leader id of the current term after a refresh.
	 * @param current the term being refreshed
	 * @param leaderId the new leader id
	 * @return the new term, or {@code null} when {@code current} is no longer current
	 */
	@Nullable Term refresh(Term current, UUID leaderId) {
		this.lock.lock();
		try {
			if (!this.leading || this.term != current) {
				return null;
			}
			Term refreshed = new Term(leaderId, current.epoch());
			this.term = refreshed;
			this.highestMarkedId = 0;
			this.refreshNeeded = false;
			this.refreshes++;
			return refreshed;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Notes that a mark statement may have claimed rows the marker never saw, so that a new
	 * leader id must be minted before marking again.
	 * @param current the term the statement ran under
	 */
	void requestRefresh(Term current) {
		this.lock.lock();
		try {
			if (this.leading && this.term == current) {
				this.refreshNeeded = true;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isCurrent(Term candidate) {
		this.lock.lock();
		try {
			return this.leading && this.term == candidate;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Stops marking and sending for good, dropping unsent records; records in flight finish.
	 */
	void beginStop() {
		this.lock.lock();
		try {
			this.stopping = true;
			this.acquireRequested = false;
			this.generation++;
			if (this.leading) {
				this.leading = false;
				this.refreshNeeded = false;
				this.scheduler.dropUnsent(System.nanoTime());
			}
			signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isStopping() {
		this.lock.lock();
		try {
			return this.stopping;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Tells every thread to finish.
	 */
	void shutdown() {
		this.lock.lock();
		try {
			this.shutdown = true;
			signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isShutdown() {
		this.lock.lock();
		try {
			return this.shutdown;
		}
		finally {
			this.lock.unlock();
		}
	}

	// Marker

	/**
	 * Waits until the marker has something to do.
	 * @param idleUntilNanos no mark before this time unless woken up
	 * @param backoffUntilNanos nothing at all before this time (after a database error)
	 * @return the task
	 * @throws InterruptedException when interrupted
	 */
	MarkerTask nextMarkerTask(long idleUntilNanos, long backoffUntilNanos) throws InterruptedException {
		this.lock.lock();
		try {
			while (true) {
				if (this.shutdown) {
					return MarkerTask.SHUTDOWN;
				}
				long now = System.nanoTime();
				long wait = SLICE_NANOS;
				if (!this.stopping && now - backoffUntilNanos < 0) {
					wait = Math.min(wait, backoffUntilNanos - now);
				}
				else if (!this.stopping) {
					if (this.acquireRequested && now - this.acquireNotBeforeNanos >= 0) {
						return MarkerTask.acquire(this.generation);
					}
					if (this.acquireRequested) {
						wait = Math.min(wait, this.acquireNotBeforeNanos - now);
					}
					Term current = this.term;
					if (this.leading && current != null) {
						if (this.refreshNeeded) {
							return MarkerTask.refresh(current);
						}
						// Nothing is marked before the held keys are known, lest a held key's
						// rows be published.
						if (!this.holdsLoaded) {
							return MarkerTask.of(MarkerTask.Kind.LOAD_HOLDS, current);
						}
						if (this.scheduler.hasWork()) {
							return MarkerTask.of(MarkerTask.Kind.KEY_WORK, current);
						}
						if (this.scheduler.heldKeys() > 0) {
							if (this.holdCheckRequested || now - this.nextHoldCheckNanos >= 0) {
								this.holdCheckRequested = false;
								return MarkerTask.of(MarkerTask.Kind.CHECK_HOLDS, current);
							}
							wait = Math.min(wait, this.nextHoldCheckNanos - now);
						}
						if (!this.paused && hasRoom()) {
							if (this.wakeUpRequested || now - idleUntilNanos >= 0) {
								this.wakeUpRequested = false;
								return MarkerTask.mark(current);
							}
							wait = Math.min(wait, idleUntilNanos - now);
						}
					}
				}
				this.markerWork.awaitNanos(Math.max(wait, 1));
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private boolean hasRoom() {
		return this.scheduler.queued() + this.limits.markQueryRecords() <= this.limits.maxQueuedRecords()
				&& this.scheduler.pendingPurges() <= maxPendingPurges();
	}

	private int maxPendingPurges() {
		long bound = 4L * this.limits.purgeBatchSize();
		return (int) Math.min(bound, Integer.MAX_VALUE);
	}

	/**
	 * Takes marked rows into memory and dispatches what can be sent.
	 * @param current the term the rows were marked under
	 * @param rows the rows, sorted by id
	 * @return the number of rows taken, or -1 when {@code current} is no longer current
	 */
	int enqueue(Term current, List<OutboxRow> rows) {
		this.lock.lock();
		try {
			if (!this.leading || this.term != current) {
				return -1;
			}
			long now = System.nanoTime();
			// A row below an id already marked in this term committed after it: late.
			for (OutboxRow row : rows) {
				if (row.id() < this.highestMarkedId && !this.scheduler.isKnown(row.id())) {
					this.late++;
				}
			}
			int added = this.scheduler.add(rows, now);
			this.marked += added;
			if (this.scheduler.keyWaitsOnPurge()) {
				this.purgerWork.signal();
			}
			if (!rows.isEmpty()) {
				this.highestMarkedId = Math.max(this.highestMarkedId, rows.get(rows.size() - 1).id());
			}
			dispatch(now);
			return added;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Asks the marker to mark now, cutting an idle backoff short.
	 */
	void wakeUp() {
		this.lock.lock();
		try {
			this.wakeUpRequested = true;
			this.markerWork.signal();
		}
		finally {
			this.lock.unlock();
		}
	}

	// Shards

	/**
	 * Waits until a shard has something to do. A lease read before this call is only trusted
	 * if the call did not wait: after a wait the shard is told to read the lease again.
	 * @param shard the shard
	 * @param leaseValid whether the election said leader work may go on, read just before
	 * @return the task
	 * @throws InterruptedException when interrupted
	 */
	ShardTask nextShardTask(int shard, boolean leaseValid) throws InterruptedException {
		this.lock.lock();
		try {
			ShardState state = this.shards[shard];
			boolean waited = false;
			while (true) {
				if (this.shutdown) {
					return ShardTask.SHUTDOWN;
				}
				long now = System.nanoTime();
				long wait = SLICE_NANOS;
				if (state.abortRequested) {
					return ShardTask.ABORT;
				}
				if (state.rebuildRequested) {
					if (now - state.rebuildAtNanos >= 0) {
						return ShardTask.REBUILD;
					}
					wait = Math.min(wait, state.rebuildAtNanos - now);
				}
				else if (sendAllowed() && this.scheduler.hasBuffered(shard)) {
					if (waited) {
						return ShardTask.RECHECK_LEASE;
					}
					if (!leaseValid) {
						// No valid lease: keep the records and look again shortly.
						this.shardWork[shard].awaitNanos(leaseRecheckNanos());
						return ShardTask.RECHECK_LEASE;
					}
					ScheduledRecord record = this.scheduler.take(shard, now);
					record.sentUnder(this.term.epoch());
					return ShardTask.send(record, state.generation);
				}
				else if (sendAllowed()) {
					long nextRetry = this.scheduler.nextRetryNanos();
					if (nextRetry != Long.MAX_VALUE) {
						if (now - nextRetry >= 0) {
							dispatch(now);
							continue;
						}
						wait = Math.min(wait, nextRetry - now);
					}
				}
				this.shardWork[shard].awaitNanos(Math.max(wait, 1));
				waited = true;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private long leaseRecheckNanos() {
		return Math.min(this.limits.minPollInterval().toNanos(), TimeUnit.MILLISECONDS.toNanos(100));
	}

	/**
	 * Has every shard with records in flight throw its producer away at once, failing what it
	 * still holds: a fenced leader's records, retried inside the producer until the network
	 * comes back, would otherwise land after its successor's.
	 */
	void abortInFlight() {
		this.lock.lock();
		try {
			if (this.scheduler.inFlight() == 0) {
				return;
			}
			for (int shard = 0; shard < this.shards.length; shard++) {
				this.shards[shard].abortRequested = true;
				this.shardWork[shard].signal();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Records that a shard rebuilt its producer.
	 * @param shard the shard
	 * @param producerGeneration the generation of the new producer
	 */
	void rebuilt(int shard, int producerGeneration) {
		this.lock.lock();
		try {
			ShardState state = this.shards[shard];
			state.rebuildRequested = false;
			state.abortRequested = false;
			state.generation = producerGeneration;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Handles Kafka's answer to a send; runs on the producer's I/O thread (or the shard thread
	 * when the send failed at once), so it only updates memory.
	 * @param shard the shard that sent the record
	 * @param record the record
	 * @param producerGeneration the generation of the producer that sent it
	 * @param failure the failure, or {@code null} on success
	 */
	void completed(int shard, ScheduledRecord record, int producerGeneration, @Nullable Exception failure) {
		if (failure == null) {
			observe((observer) -> observer.recordAcknowledged(record.row().createTime(), this.clock.instant()));
		}
		String message = null;
		boolean warn = false;
		RecordPublishFailed event = null;
		this.lock.lock();
		try {
			long now = System.nanoTime();
			ShardState state = this.shards[shard];
			if (failure == null) {
				this.scheduler.acked(record, now);
				this.ackSequence++;
				this.published++;
				this.meter.add(1);
				if (producerGeneration == state.generation) {
					state.rebuildFailures = 0;
				}
				int pending = this.scheduler.pendingPurges();
				if (pending == 1 || pending >= this.limits.purgeBatchSize() || this.scheduler.keyWaitsOnPurge()) {
					this.purgerWork.signal();
				}
			}
			else {
				this.failed++;
				this.lastError = HarvestError.of(this.clock.instant(), "Send of " + record + " failed", failure);
				if (!this.leading) {
					this.scheduler.forget(record);
					message = "Send of " + record + " failed after leadership ended; the next leader marks it again: "
							+ failure;
				}
				else {
					SendFailureKind kind = this.classifier.classify(failure);
					Instant failedAt = this.clock.instant();
					Failure outcome = failed(shard, state, record, producerGeneration, failure, kind, now, failedAt);
					message = outcome.message();
					event = new RecordPublishFailed(record.id(), record.key().topic(), record.key().key(),
							record.attempts(), failure.getClass().getName(), kind.name(),
							(outcome.retryAtNanos() != NO_RETRY)
									? failedAt.plusNanos(Math.max(outcome.retryAtNanos() - now, 0)) : null);
					// Retriable failures come in floods while a broker is away: warn about a
					// record's first and every tenth, the rest at debug level.
					warn = kind != SendFailureKind.RETRIABLE || record.attempts() == 1
							|| record.attempts() % 10 == 0;
					SendFailureKind observedKind = kind;
					observe((observer) -> observer.recordFailed(failure, observedKind));
				}
			}
			dispatch(now);
			this.progress.signalAll();
			this.markerWork.signal();
		}
		finally {
			this.lock.unlock();
		}
		if (message != null) {
			if (warn) {
				logger.warn(message);
			}
			else if (logger.isDebugEnabled()) {
				logger.debug(message);
			}
		}
		if (event != null) {
			this.recordEvents.publish(event);
		}
	}

	private Failure failed(int shard, ShardState state, ScheduledRecord record, int producerGeneration,
			Exception failure, SendFailureKind kind, long now, Instant failedAt) {
		RetryPolicy retry = this.config.retry();
		if (kind == SendFailureKind.FATAL) {
			record.failed(failure, false, failedAt);
			if (producerGeneration == state.generation && !state.rebuildRequested) {
				state.rebuildFailures++;
				state.rebuildRequested = true;
				state.rebuildAtNanos = now + ((state.rebuildFailures > 1)
						? this.retryBackoff.delay(state.rebuildFailures - 1).toNanos() : 0);
				this.shardWork[shard].signal();
			}
			long retryAt = state.rebuildRequested ? state.rebuildAtNanos : now;
			this.scheduler.retry(record, retryAt, now);
			this.retried++;
			return new Failure("Producer of harvest shard " + shard + " failed sending " + record
					+ "; rebuilding it: " + failure, retryAt);
		}
		record.failed(failure, true, failedAt);
		int attempts = record.attempts();
		boolean exhausted = (kind == SendFailureKind.POISON) ? attempts >= retry.poisonMaxAttempts()
				: retry.maxAttemptsRetriable() > 0 && attempts >= retry.maxAttemptsRetriable();
		if (exhausted) {
			this.scheduler.exhausted(record, now);
			this.markerWork.signal();
			return new Failure("Send of " + record + " failed " + attempts + " time(s); applying the "
					+ retry.poisonPolicy() + " policy: " + failure, NO_RETRY);
		}
		Duration backoff = this.retryBackoff.delay(attempts);
		long retryAt = now + backoff.toNanos();
		this.scheduler.retry(record, retryAt, now);
		this.retried++;
		return new Failure("Send of " + record + " failed (attempt " + attempts + ", " + kind + "); retrying in "
				+ backoff + " before any later record of its key: " + failure, retryAt);
	}

	/**
	 * What became of a failed send.
	 *
	 * @param message the log line
	 * @param retryAtNanos when the record is sent again, or {@link #NO_RETRY} when the poison
	 * policy takes it
	 */
	private record Failure(String message, long retryAtNanos) {
	}

	// Purger

	/**
	 * Waits until the purge thread has something to do.
	 * @param timerAtNanos when the purge thread's own timer is due
	 * @return the task
	 * @throws InterruptedException when interrupted
	 */
	PurgerTask nextPurgerTask(long timerAtNanos) throws InterruptedException {
		this.lock.lock();
		try {
			while (true) {
				if (this.shutdown) {
					return PurgerTask.SHUTDOWN;
				}
				long now = System.nanoTime();
				long wait = Math.min(SLICE_NANOS, timerAtNanos - now);
				int pending = this.scheduler.pendingPurges();
				if (pending > 0) {
					long dueAt = this.scheduler.oldestAckNanos() + this.limits.purgeInterval().toNanos();
					// A key whose next record waits on this purge does not wait for the batch.
					if (pending >= this.limits.purgeBatchSize() || this.flushTarget > this.purgedSequence
							|| this.scheduler.keyWaitsOnPurge()) {
						dueAt = now;
					}
					if (this.purgeRetryAtNanos - dueAt > 0) {
						dueAt = this.purgeRetryAtNanos;
					}
					if (now - dueAt >= 0) {
						return PurgerTask.purge(this.scheduler.oldestPurgeEpoch(),
								this.scheduler.purgeBatch(this.limits.purgeBatchSize()));
					}
					wait = Math.min(wait, dueAt - now);
				}
				if (wait <= 0) {
					return PurgerTask.TIMER;
				}
				this.purgerWork.awaitNanos(wait);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Records a successful purge of ids taken from {@link #nextPurgerTask(long)}.
	 * @param ids the purged ids
	 */
	void purged(List<Long> ids) {
		this.lock.lock();
		try {
			settle(ids);
			this.purged += ids.size();
			// Purging frees the keys of these rows: their next records can go now.
			dispatch(System.nanoTime());
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the epoch to purge rows sent under {@code sentEpoch} with: the current one when
	 * this harvester has held every epoch since, as no other leader can have published in
	 * between; otherwise the epoch they were sent under.
	 * @param sentEpoch the epoch the rows were sent under
	 * @return the epoch for the purge statement
	 */
	long purgeEpoch(long sentEpoch) {
		this.lock.lock();
		try {
			Term current = this.term;
			boolean unbroken = this.leading && current != null && this.epochRunStart <= sentEpoch
					&& sentEpoch <= current.epoch();
			return unbroken ? current.epoch() : sentEpoch;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the current term while this harvester leads.
	 * @return the term, or {@code null}
	 */
	@Nullable Term leadingTerm() {
		this.lock.lock();
		try {
			return this.leading ? this.term : null;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Records a purge the database refused because the epoch the rows were sent under is no
	 * longer current: the rows stay in the outbox for the next leader to send again, and this
	 * harvester forgets them. Called once the harvester no longer leads under that epoch, so
	 * that freeing their keys sends nothing more under it.
	 * @param ids the ids that were not purged
	 */
	void purgeRefused(List<Long> ids) {
		this.lock.lock();
		try {
			settle(ids);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Forgets ids whose purge ended, purged or refused, and wakes whoever waits on purges;
	 * called with the lock held.
	 */
	private void settle(List<Long> ids) {
		this.scheduler.purged(ids);
		this.purgedSequence += ids.size();
		this.progress.signalAll();
		this.markerWork.signal();
	}


	/**
	 * Records a failed purge; the ids stay pending and are retried after the I/O error
	 * backoff.
	 * @param failure the failure
	 */
	void purgeFailed(RuntimeException failure) {
		this.lock.lock();
		try {
			this.purgeFailures++;
			this.purgeRetryAtNanos = System.nanoTime() + this.limits.ioErrorBackoff().toNanos();
			this.lastError = HarvestError.of(this.clock.instant(), "Purge failed", failure);
			this.progress.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Purges every id acknowledged so far, waiting at most until {@code deadlineNanos}; gives
	 * up at the first failed purge.
	 * @param deadlineNanos the deadline
	 * @return {@code true} when everything acknowledged before the call was purged
	 * @throws InterruptedException when interrupted
	 */
	boolean flush(long deadlineNanos) throws InterruptedException {
		this.lock.lock();
		try {
			long target = this.ackSequence;
			long failuresBefore = this.purgeFailures;
			if (this.purgedSequence >= target) {
				return true;
			}
			this.flushTarget = Math.max(this.flushTarget, target);
			this.purgeRetryAtNanos = System.nanoTime();
			this.purgerWork.signal();
			while (this.purgedSequence < target) {
				long remaining = deadlineNanos - System.nanoTime();
				if (this.shutdown || this.purgeFailures != failuresBefore || remaining <= 0) {
					return false;
				}
				this.progress.awaitNanos(Math.min(remaining, SLICE_NANOS));
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	// Held keys, on the marker thread.

	/**
	 * Takes up the keys quarantine holds, before the first mark of a term.
	 * @param current the term the keys were read for
	 * @param heldKeys the held keys and their policies
	 */
	void holdsLoaded(Term current, Map<RecordKey, PoisonPolicy> heldKeys) {
		this.lock.lock();
		try {
			if (!this.leading || this.term != current) {
				return;
			}
			this.scheduler.loadHolds(heldKeys);
			this.holdsLoaded = true;
			this.nextHoldCheckNanos = System.nanoTime() + this.limits.headRescanInterval().toNanos();
			this.markerWork.signal();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Lets go of the held keys that quarantine no longer holds.
	 * @param current the term the keys were read for
	 * @param stillHeld the keys quarantine holds
	 */
	void holdsChecked(Term current, Set<RecordKey> stillHeld) {
		this.lock.lock();
		try {
			if (!this.leading || this.term != current) {
				return;
			}
			this.scheduler.releaseAllBut(stillHeld);
			this.nextHoldCheckNanos = System.nanoTime() + this.limits.headRescanInterval().toNanos();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Asks the leader to check the held keys against quarantine now, after an operator acted.
	 */
	void checkHoldsNow() {
		this.lock.lock();
		try {
			this.holdCheckRequested = true;
			this.markerWork.signal();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Takes the keys that need the database.
	 * @param current the term the work is for
	 * @return the work, empty when {@code current} is no longer current
	 */
	List<KeyWork> takeKeyWork(Term current) {
		this.lock.lock();
		try {
			if (!this.leading || this.term != current) {
				return List.of();
			}
			return this.scheduler.takeWork();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Applies the outcome of work on a key to the scheduler, unless the term ended meanwhile.
	 * @param current the term the work was done for
	 * @param outcome what to apply
	 * @return whether it was applied
	 */
	boolean keyWorkDone(Term current, java.util.function.Consumer<KeyScheduler> outcome) {
		this.lock.lock();
		try {
			if (!this.leading || this.term != current) {
				return false;
			}
			outcome.accept(this.scheduler);
			long now = System.nanoTime();
			dispatch(now);
			this.markerWork.signal();
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the keys whose rows are not to be marked, for the next mark statement.
	 * @return the held keys
	 */
	Set<RecordKey> excludedKeys() {
		this.lock.lock();
		try {
			return this.scheduler.excludedKeys();
		}
		finally {
			this.lock.unlock();
		}
	}

	List<ScheduledRecord> newlyStalled(long timeoutNanos) {
		this.lock.lock();
		try {
			return this.scheduler.newlyStalled(System.nanoTime(), timeoutNanos);
		}
		finally {
			this.lock.unlock();
		}
	}

	// Draining

	/**
	 * Waits until no record is in flight, logging progress every drain interval.
	 * @param deadlineNanos the deadline
	 * @return {@code true} when drained
	 * @throws InterruptedException when interrupted
	 */
	boolean awaitInFlightDrained(long deadlineNanos) throws InterruptedException {
		long reportEvery = this.limits.drainInterval().toNanos();
		this.lock.lock();
		try {
			long nextReport = System.nanoTime() + reportEvery;
			while (this.scheduler.inFlight() > 0) {
				long now = System.nanoTime();
				if (now - deadlineNanos >= 0) {
					return false;
				}
				if (now - nextReport >= 0) {
					logger.info("Harvester '" + this.config.name() + "' is waiting for " + this.scheduler.inFlight()
							+ " record(s) in flight");
					nextReport = now + reportEvery;
				}
				this.progress.awaitNanos(Math.min(Math.min(deadlineNanos - now, nextReport - now), SLICE_NANOS));
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	// Pause

	void pause() {
		this.lock.lock();
		try {
			this.paused = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	void resume() {
		this.lock.lock();
		try {
			this.paused = false;
			dispatch(System.nanoTime());
			signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean isPaused() {
		this.lock.lock();
		try {
			return this.paused;
		}
		finally {
			this.lock.unlock();
		}
	}

	// Views

	boolean isLeading() {
		this.lock.lock();
		try {
			return this.leading;
		}
		finally {
			this.lock.unlock();
		}
	}

	@Nullable Term term() {
		this.lock.lock();
		try {
			return this.term;
		}
		finally {
			this.lock.unlock();
		}
	}

	int inFlight() {
		this.lock.lock();
		try {
			return this.scheduler.inFlight();
		}
		finally {
			this.lock.unlock();
		}
	}

	Set<String> inFlightKeys() {
		this.lock.lock();
		try {
			return this.scheduler.inFlightKeys();
		}
		finally {
			this.lock.unlock();
		}
	}

	int queued() {
		this.lock.lock();
		try {
			return this.scheduler.queued();
		}
		finally {
			this.lock.unlock();
		}
	}

	int pendingPurges() {
		this.lock.lock();
		try {
			return this.scheduler.pendingPurges();
		}
		finally {
			this.lock.unlock();
		}
	}

	HarvestCounters counters() {
		this.lock.lock();
		try {
			return new HarvestCounters(this.marked, this.published, this.failed, this.retried, this.purged, this.late,
					this.refreshes, this.scheduler.heldKeys());
		}
		finally {
			this.lock.unlock();
		}
	}

	@Nullable HarvestError lastError() {
		return this.lastError;
	}

	void recordError(String what, Throwable failure) {
		this.lastError = HarvestError.of(this.clock.instant(), what, failure);
	}

	// Internals; the lock is held.

	private boolean sendAllowed() {
		return this.leading && !this.paused && !this.stopping && this.term != null;
	}

	private void dispatch(long now) {
		if (!sendAllowed()) {
			return;
		}
		BitSet fed = this.scheduler.dispatch(now);
		for (int shard = fed.nextSetBit(0); shard >= 0; shard = fed.nextSetBit(shard + 1)) {
			this.shardWork[shard].signal();
		}
		if (!fed.isEmpty()) {
			// Fewer records are queued now, which may give the marker room.
			this.markerWork.signal();
		}
		if (this.scheduler.hasWork()) {
			this.markerWork.signal();
		}
	}

	private void signalAll() {
		this.markerWork.signalAll();
		this.purgerWork.signalAll();
		this.progress.signalAll();
		for (Condition condition : this.shardWork) {
			condition.signalAll();
		}
	}

	/**
	 * A shard's producer bookkeeping.
	 */
	private static final class ShardState {

		boolean rebuildRequested;

		/** Fenced: whatever the producer still holds must never reach Kafka. */
		boolean abortRequested;

		long rebuildAtNanos;

		int rebuildFailures;

		int generation;

	}

	/**
	 * What the marker should do next.
	 *
	 * @param kind the kind of task
	 * @param generation the acquire request generation, for {@link Kind#ACQUIRE}
	 * @param term the term, for every kind but {@link Kind#SHUTDOWN} and {@link Kind#ACQUIRE}
	 */
	record MarkerTask(Kind kind, long generation, @Nullable Term term) {

		static final MarkerTask SHUTDOWN = new MarkerTask(Kind.SHUTDOWN, 0, null);

		static MarkerTask acquire(long generation) {
			return new MarkerTask(Kind.ACQUIRE, generation, null);
		}

		static MarkerTask refresh(Term term) {
			return new MarkerTask(Kind.REFRESH, 0, term);
		}

		static MarkerTask mark(Term term) {
			return new MarkerTask(Kind.MARK, 0, term);
		}

		static MarkerTask of(Kind kind, Term term) {
			return new MarkerTask(kind, 0, term);
		}

		enum Kind {

			SHUTDOWN, ACQUIRE, REFRESH, LOAD_HOLDS, KEY_WORK, CHECK_HOLDS, MARK

		}

	}

	/**
	 * What a shard should do next.
	 *
	 * @param kind the kind of task
	 * @param record the record to send, under its {@linkplain ScheduledRecord#sentEpoch() epoch},
	 * for {@link Kind#SEND}
	 * @param producerGeneration the producer generation it is sent with
	 */
	record ShardTask(Kind kind, @Nullable ScheduledRecord record, int producerGeneration) {

		static final ShardTask SHUTDOWN = new ShardTask(Kind.SHUTDOWN, null, 0);

		static final ShardTask REBUILD = new ShardTask(Kind.REBUILD, null, 0);

		static final ShardTask ABORT = new ShardTask(Kind.ABORT, null, 0);

		static final ShardTask RECHECK_LEASE = new ShardTask(Kind.RECHECK_LEASE, null, 0);

		static ShardTask send(ScheduledRecord record, int producerGeneration) {
			return new ShardTask(Kind.SEND, record, producerGeneration);
		}

		enum Kind {

			SHUTDOWN, REBUILD, ABORT, RECHECK_LEASE, SEND

		}

	}

	/**
	 * What the purge thread should do next.
	 *
	 * @param kind the kind of task
	 * @param epoch the epoch the ids were sent under, for {@link Kind#PURGE}
	 * @param ids the ids to purge, for {@link Kind#PURGE}
	 */
	record PurgerTask(Kind kind, long epoch, List<Long> ids) {

		static final PurgerTask SHUTDOWN = new PurgerTask(Kind.SHUTDOWN, 0, List.of());

		static final PurgerTask TIMER = new PurgerTask(Kind.TIMER, 0, List.of());

		static PurgerTask purge(long epoch, List<Long> ids) {
			return new PurgerTask(Kind.PURGE, epoch, ids);
		}

		enum Kind {

			SHUTDOWN, TIMER, PURGE

		}

	}

	void setObserver(HarvestObserver observer) {
		this.observer = observer;
	}

	/**
	 * Tells the observer something, outside the lock; an observer that throws is ignored.
	 * @param call what to tell it
	 */
	void observe(java.util.function.Consumer<HarvestObserver> call) {
		try {
			call.accept(this.observer);
		}
		catch (RuntimeException ex) {
			// Metrics must never disturb harvesting.
		}
	}

}
