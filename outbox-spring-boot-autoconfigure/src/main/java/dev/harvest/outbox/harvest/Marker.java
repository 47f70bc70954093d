package dev.harvest.outbox.harvest;

import java.util.List;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.Pipeline.MarkerTask;
import dev.harvest.outbox.jdbc.HeldKey;
import dev.harvest.outbox.jdbc.MarkResult;
import dev.harvest.outbox.jdbc.OutboxRow;
import dev.harvest.outbox.jdbc.OutboxStore;

/**
 * The marker thread: takes the epoch when elected, takes up the keys held in quarantine, then
 * claims rows in id order from a cursor that only passes ids whose transactions have all
 * ended ({@link SettledCursor}), rescans below the cursor for rows that committed late,
 * applies the poison policy through {@link Quarantine}, and mints a new leader id when a
 * mark statement may have claimed rows it never saw. Idles with a doubling backoff that a
 * wake-up cuts short, and never gives up on database errors.
 */
final class Marker implements Runnable {

	private static final Log logger = LogFactory.getLog(Marker.class);

	private static final long MIN_IDLE_BACKOFF_NANOS = 1_000_000L;

	private final Pipeline pipeline;

	private final LeadershipTransitions leadership;

	private final OutboxStore store;

	private final Quarantine quarantine;

	private final Config config;

	private final Limits limits;

	private final @Nullable WakeUpSource wakeUps;

	/** The cursor: forward marks look above its position, rescans below it. */
	private final SettledCursor settled = new SettledCursor();

	private final LastMarkRecorder lastMarks;

	private boolean forwardCameBackEmpty;

	private boolean rescanAgain;

	private boolean rescanDue;

	private long lastRescanNanos;

	private long idleBackoffNanos;

	private long idleUntilNanos;

	private long backoffUntilNanos;

	Marker(Pipeline pipeline, LeadershipTransitions leadership, OutboxStore store, Quarantine quarantine,
			Config config, @Nullable WakeUpSource wakeUps, LastMarkRecorder lastMarks) {
		this.pipeline = pipeline;
		this.leadership = leadership;
		this.store = store;
		this.quarantine = quarantine;
		this.config = config;
		this.limits = config.limits();
		this.wakeUps = wakeUps;
		this.lastMarks = lastMarks;
		this.idleBackoffNanos = this.limits.markBackoff().toNanos();
		this.backoffUntilNanos = System.nanoTime();
		this.idleUntilNanos = this.backoffUntilNanos;
	}

	@Override
	public void run() {
		startWakeUps();
		while (true) {
			MarkerTask task;
			try {
				task = this.pipeline.nextMarkerTask(this.idleUntilNanos, this.backoffUntilNanos);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			try {
				switch (task.kind()) {
					case SHUTDOWN -> {
						return;
					}
					case ACQUIRE -> acquire(task.generation());
					case REFRESH -> refresh(task.term());
					case LOAD_HOLDS -> loadHolds(task.term());
					case KEY_WORK -> keyWork(task.term());
					case CHECK_HOLDS -> checkHolds(task.term());
					case MARK -> mark(task.term());
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				this.pipeline.recordError("Marker failed", ex);
				logger.error("Marker of harvester '" + this.config.name() + "' failed; carrying on", ex);
				backOff();
			}
		}
	}

	private void startWakeUps() {
		WakeUpSource source = this.wakeUps;
		if (source == null) {
			return;
		}
		try {
			source.start(this.pipeline::wakeUp);
		}
		catch (RuntimeException ex) {
			this.pipeline.recordError("Listening for outbox notifications failed", ex);
			logger.warn("Harvester '" + this.config.name()
					+ "' could not listen for outbox notifications; it polls instead", ex);
		}
	}

	private void acquire(long generation) {
		UUID leaderId = UUID.randomUUID();
		long epoch;
		try {
			epoch = this.store.acquireEpoch(this.config.leaderGroupId(), this.config.name(), leaderId);
		}
		catch (RuntimeException ex) {
			this.pipeline.recordError("Taking a leader epoch failed", ex);
			warn("Harvester '" + this.config.name() + "' could not take a leader epoch; retrying in "
					+ this.limits.ioErrorBackoff(), ex);
			backOff();
			return;
		}
		if (this.leadership.acquired(generation, new Term(leaderId, epoch))) {
			startTerm();
		}
	}

	private void refresh(@Nullable Term term) throws InterruptedException {
		if (term == null) {
			return;
		}
		// Purge what was acknowledged first, so that the new leader id re-marks as few rows in
		// hand as possible; rows still in hand are ignored when marked again.
		long deadline = System.nanoTime() + this.limits.drainTimeout().toNanos();
		if (!this.pipeline.flush(deadline)) {
			logger.warn("Harvester '" + this.config.name()
					+ "' could not purge acknowledged rows before refreshing its leader id; retrying in "
					+ this.limits.ioErrorBackoff());
			backOff();
			return;
		}
		if (this.leadership.refreshed(term, UUID.randomUUID()) != null) {
			startTerm();
		}
	}

	private void loadHolds(@Nullable Term term) {
		if (term == null) {
			return;
		}
		try {
			this.quarantine.loadHolds(term);
		}
		catch (RuntimeException ex) {
			this.pipeline.recordError("Reading held keys failed", ex);
			warn("Harvester '" + this.config.name() + "' could not read the keys held in quarantine, and marks"
					+ " nothing until it can; retrying in " + this.limits.ioErrorBackoff(), ex);
			backOff();
		}
	}

	private void keyWork(@Nullable Term term) {
		if (term == null) {
			return;
		}
		try {
			if (this.quarantine.work(term)) {
				// A released key's rows wait below the cursor; marking from the head again takes
				// them in id order before anything newer of the key.
				markFromHead();
			}
		}
		catch (RuntimeException ex) {
			this.pipeline.recordError("Applying the poison policy failed", ex);
			warn("Harvester '" + this.config.name() + "' could not apply the poison policy; the keys concerned"
					+ " wait and it retries in " + this.limits.ioErrorBackoff(), ex);
			backOff();
		}
	}

	private void checkHolds(@Nullable Term term) {
		if (term == null) {
			return;
		}
		try {
			this.quarantine.checkHolds(term);
		}
		catch (RuntimeException ex) {
			this.pipeline.recordError("Checking held keys failed", ex);
			warn("Harvester '" + this.config.name() + "' could not check the keys held in quarantine; retrying in "
					+ this.limits.ioErrorBackoff(), ex);
			backOff();
		}
	}

	private void mark(@Nullable Term term) {
		if (term == null) {
			return;
		}
		long now = System.nanoTime();
		// The head rescan interval only interrupts a streak of forward marks that keep finding
		// rows. A mark after idling goes forward first, where new rows are; should it find
		// nothing, the rescan before idling again looks below the cursor.
		long cursor = this.settled.position();
		boolean rescan = cursor > 0 && (this.forwardCameBackEmpty || this.rescanAgain || this.rescanDue);
		long afterId = rescan ? 0 : cursor;
		long upToId = rescan ? cursor : Long.MAX_VALUE;
		int limit = this.limits.markQueryRecords();
		MarkResult result;
		try {
			long started = System.nanoTime();
			List<HeldKey> held = this.pipeline.excludedKeys().stream()
				.map((key) -> new HeldKey(key.topic(), key.key()))
				.toList();
			result = this.store.mark(this.config.leaderGroupId(), term.epoch(), term.leaderId(), afterId, upToId, limit,
					held);
			int rows = result.rows().size();
			this.pipeline.observe((observer) -> observer
				.markCompleted(java.time.Duration.ofNanos(System.nanoTime() - started), rows));
		}
		catch (RuntimeException ex) {
			// The statement may have committed even though we saw an error: we cannot know
			// which rows now carry our leader id, so mint a new one before marking again.
			this.pipeline.recordError("Mark failed", ex);
			warn("Harvester '" + this.config.name() + "' could not mark rows; refreshing its leader id and "
					+ "retrying in " + this.limits.ioErrorBackoff(), ex);
			this.pipeline.requestRefresh(term);
			backOff();
			return;
		}
		if (result.fenced()) {
			this.leadership.staleEpoch(term, result.currentEpoch());
			backOff();
			return;
		}
		this.lastMarks.marked(term);
		List<OutboxRow> rows = result.rows();
		if (this.pipeline.enqueue(term, rows) < 0) {
			return;
		}
		if (rescan) {
			this.settled.marked(result.snapshotXmin(), result.transactionId());
		}
		else {
			this.settled.forwardMarked(rows.isEmpty() ? 0 : rows.get(rows.size() - 1).id(), rows.size() >= limit,
					result.snapshotXmin(), result.transactionId());
		}
		if (rescan) {
			boolean beforeIdling = this.forwardCameBackEmpty;
			this.lastRescanNanos = now;
			this.rescanAgain = rows.size() >= limit;
			this.rescanDue = false;
			this.forwardCameBackEmpty = false;
			if (!rows.isEmpty() && logger.isDebugEnabled()) {
				logger.debug("Harvester '" + this.config.name() + "' found " + rows.size()
						+ " row(s) that committed below its cursor " + cursor);
			}
			if (rows.isEmpty() && !beforeIdling) {
				// Rows were flowing above the cursor when the rescan fell due: carry on there
				// rather than idle.
				this.idleUntilNanos = now;
				return;
			}
		}
		else if (!rows.isEmpty()) {
			this.rescanDue = now - this.lastRescanNanos >= this.limits.headRescanInterval().toNanos();
		}
		else {
			this.forwardCameBackEmpty = true;
			if (this.settled.position() > 0) {
				// Look below the cursor before idling.
				return;
			}
		}
		if (rows.isEmpty()) {
			idle(now);
		}
		else {
			this.idleBackoffNanos = this.limits.markBackoff().toNanos();
			this.idleUntilNanos = now;
		}
	}

	private void idle(long now) {
		this.idleUntilNanos = now + this.idleBackoffNanos;
		long doubled = Math.max(this.idleBackoffNanos * 2, MIN_IDLE_BACKOFF_NANOS);
		this.idleBackoffNanos = Math.min(doubled, this.limits.maxMarkBackoff().toNanos());
	}

	private void startTerm() {
		markFromHead();
	}

	private void markFromHead() {
		this.settled.reset();
		this.forwardCameBackEmpty = false;
		this.rescanAgain = false;
		this.rescanDue = false;
		this.lastRescanNanos = System.nanoTime();
		this.idleBackoffNanos = this.limits.markBackoff().toNanos();
		this.idleUntilNanos = this.lastRescanNanos;
	}

	/**
	 * Logs a recurring database error in one line; the stack trace only at debug level.
	 */
	private static void warn(String message, RuntimeException ex) {
		logger.warn(message + ": " + ex);
		if (logger.isDebugEnabled()) {
			logger.debug(message, ex);
		}
	}

	private void backOff() {
		this.backoffUntilNanos = System.nanoTime() + this.limits.ioErrorBackoff().toNanos();
	}

}
