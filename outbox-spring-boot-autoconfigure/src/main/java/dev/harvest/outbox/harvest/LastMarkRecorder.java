package dev.harvest.outbox.harvest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.OutboxStore;

/**
 * Keeps the time of the leader's latest successful mark statement, whether or not it found
 * rows, for the backlog rule that tells whether the leader is still marking. When given an
 * interval it also writes that time to the group's epoch row, at most once per interval and
 * at once in a new epoch, so that other instances can read it. Called on the marker thread
 * only; the time is read from any thread.
 */
final class LastMarkRecorder {

	private static final Log logger = LogFactory.getLog(LastMarkRecorder.class);

	private final OutboxStore store;

	private final Config config;

	private final Clock clock;

	private volatile @Nullable Duration interval;

	private volatile @Nullable Instant lastMark;

	// Touched only by the marker thread.

	private long recordedEpoch;

	private long recordedAtNanos;

	private boolean failing;

	LastMarkRecorder(OutboxStore store, Config config, Clock clock) {
		this.store = store;
		this.config = config;
		this.clock = clock;
	}

	/**
	 * Sets how often the time is written to the epoch row.
	 * @param interval the least time between two writes, or {@code null} to write nothing
	 */
	void setInterval(@Nullable Duration interval) {
		this.interval = interval;
	}

	/**
	 * Notes a mark statement that ran in the current epoch, and writes it to the epoch row
	 * when the last write is older than the interval or was for another epoch. A failed write
	 * is logged and tried again an interval later; it never disturbs marking.
	 * @param term the term the mark ran in
	 */
	void marked(Term term) {
		this.lastMark = this.clock.instant();
		Duration every = this.interval;
		if (every == null) {
			return;
		}
		long now = System.nanoTime();
		if (term.epoch() == this.recordedEpoch && now - this.recordedAtNanos < every.toNanos()) {
			return;
		}
		this.recordedEpoch = term.epoch();
		this.recordedAtNanos = now;
		try {
			this.store.recordMark(this.config.leaderGroupId(), term.epoch());
			if (this.failing) {
				logger.info("Harvester '" + this.config.name() + "' records its marks in the epoch table again");
				this.failing = false;
			}
		}
		catch (RuntimeException ex) {
			if (!this.failing) {
				logger.warn("Harvester '" + this.config.name() + "' could not record its last mark in the epoch table,"
						+ " so other instances cannot tell whether it marks (does harvest_leader have the column"
						+ " last_mark_at?); retrying every " + every + ": " + ex);
			}
			this.failing = true;
		}
	}

	/**
	 * Returns when the last mark statement ran.
	 * @return the time, or {@code null} before the first
	 */
	@Nullable Instant lastMark() {
		return this.lastMark;
	}

}
