package dev.harvest.outbox.harvest;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.harvest.outbox.harvest.Pipeline.PurgerTask;
import dev.harvest.outbox.harvest.event.MeterRead;
import dev.harvest.outbox.harvest.event.MeterStats;
import dev.harvest.outbox.jdbc.OutboxStore;
import dev.harvest.outbox.jdbc.PurgeResult;

/**
 * The purge thread: deletes acknowledged rows in batches off the send path, emits throughput
 * readings and reports records that have been in flight too long.
 */
final class Purger implements Runnable {

	private static final Log logger = LogFactory.getLog(Purger.class);

	/** Shortest spacing of meter readings, even when the configured interval is zero. */
	private static final long MIN_METER_SPACING_NANOS = 10_000_000L;

	private final Pipeline pipeline;

	private final OutboxStore store;

	private final LeadershipTransitions leadership;

	private final Meter meter;

	private final HarvestEvents events;

	private final Config config;

	private final Limits limits;

	private long nextMeterNanos;

	private long nextStallCheckNanos;

	Purger(Pipeline pipeline, OutboxStore store, LeadershipTransitions leadership, Meter meter, HarvestEvents events,
			Config config) {
		this.pipeline = pipeline;
		this.store = store;
		this.leadership = leadership;
		this.meter = meter;
		this.events = events;
		this.config = config;
		this.limits = config.limits();
		long now = System.nanoTime();
		this.nextMeterNanos = now + meterSpacingNanos();
		this.nextStallCheckNanos = now + this.limits.drainInterval().toNanos();
	}

	@Override
	public void run() {
		while (true) {
			PurgerTask task;
			try {
				task = this.pipeline.nextPurgerTask(Math.min(this.nextMeterNanos, this.nextStallCheckNanos));
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
					case PURGE -> purge(task.epoch(), task.ids());
					case TIMER -> onTimer();
				}
			}
			catch (RuntimeException ex) {
				this.pipeline.recordError("Purge thread failed", ex);
				logger.error("Purge thread of harvester '" + this.config.name() + "' failed; carrying on", ex);
			}
		}
	}

	private void purge(long epoch, List<Long> ids) {
		if (ids.isEmpty()) {
			return;
		}
		try {
			long started = System.nanoTime();
			long purgeEpoch = this.pipeline.purgeEpoch(epoch);
			PurgeResult result = this.store.purge(this.config.leaderGroupId(), purgeEpoch, ids);
			if (result.fenced()) {
				purgeRefused(purgeEpoch, ids, result.currentEpoch());
				return;
			}
			int deleted = result.deleted();
			this.pipeline.observe((observer) -> observer
				.purgeCompleted(java.time.Duration.ofNanos(System.nanoTime() - started), deleted));
			this.pipeline.purged(ids);
			if (deleted < ids.size() && logger.isDebugEnabled()) {
				logger.debug("Harvester '" + this.config.name() + "' purged " + deleted + " of " + ids.size()
						+ " acknowledged rows; the others were already gone");
			}
		}
		catch (RuntimeException ex) {
			this.pipeline.purgeFailed(ex);
			String message = "Harvester '" + this.config.name() + "' could not purge " + ids.size()
					+ " acknowledged row(s); retrying in " + this.limits.ioErrorBackoff();
			// Recurs every backoff while the database is down: one line, the stack trace at debug.
			logger.warn(message + ": " + ex);
			if (logger.isDebugEnabled()) {
				logger.debug(message, ex);
			}
		}
	}

	/**
	 * Another leader took an epoch since, so the rows stay for the current leader to send
	 * again: deleting them now could remove a row whose record reached Kafka after that
	 * leader's records of its key. A harvester that still leads under the refused epoch is
	 * fenced before their keys are freed; one that leads under a later epoch marks again, as
	 * it may have marked these rows while they were still in hand.
	 */
	private void purgeRefused(long epoch, List<Long> ids, long currentEpoch) {
		Term term = this.pipeline.leadingTerm();
		boolean leadsUnderRefusedEpoch = term != null && term.epoch() == epoch;
		if (leadsUnderRefusedEpoch) {
			this.leadership.staleEpoch(term, currentEpoch);
		}
		this.pipeline.purgeRefused(ids);
		if (term != null && !leadsUnderRefusedEpoch) {
			this.pipeline.requestRefresh(term);
		}
		logger.warn("Harvester '" + this.config.name() + "' did not purge " + ids.size() + " acknowledged row(s)"
				+ " sent under epoch " + epoch + ": the database is at epoch " + currentEpoch
				+ "; the current leader publishes them again");
	}

	private void onTimer() {
		long now = System.nanoTime();
		if (now - this.nextMeterNanos >= 0) {
			this.nextMeterNanos = now + meterSpacingNanos();
			readMeter();
		}
		if (now - this.nextStallCheckNanos >= 0) {
			this.nextStallCheckNanos = now + this.limits.drainInterval().toNanos();
			for (ScheduledRecord record : this.pipeline.newlyStalled(this.limits.queueTimeout().toNanos())) {
				logger.warn("Harvester '" + this.config.name() + "': " + record + " has waited for Kafka for more than "
						+ this.limits.queueTimeout());
			}
		}
	}

	/**
	 * Emits a reading when records were published since the last one, and also while leading
	 * with nothing published, so that a stuck leader keeps reporting a zero rate rather than
	 * going quiet. A follower with nothing to report stays silent.
	 */
	private void readMeter() {
		boolean leading = this.pipeline.isLeading();
		if (!this.meter.changedSinceRead() && !(leading && !this.limits.minMetricsInterval().isZero())) {
			return;
		}
		MeterStats stats = this.meter.read();
		if (logger.isDebugEnabled()) {
			logger.debug("Harvester '" + this.config.name() + "': " + stats);
		}
		this.events.publish(new MeterRead(stats));
	}

	private long meterSpacingNanos() {
		return Math.max(this.limits.minMetricsInterval().toNanos(), MIN_METER_SPACING_NANOS);
	}

}
