package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.event.LeaderAcquired;
import dev.harvest.outbox.harvest.event.LeaderFenced;
import dev.harvest.outbox.harvest.event.LeaderRefreshed;
import dev.harvest.outbox.harvest.event.LeaderRevoked;
import dev.harvest.outbox.neli.LeadershipListener;

/**
 * Carries out leadership changes, whether the election reports them or the marker finds them,
 * and emits their events. Transitions and their events are serialised, so that listeners see
 * them in the order they happened.
 */
final class LeadershipTransitions implements LeadershipListener {

	private static final Log logger = LogFactory.getLog(LeadershipTransitions.class);

	private final ReentrantLock transitionLock = new ReentrantLock();

	private final Pipeline pipeline;

	private final HarvestEvents events;

	private final Config config;

	private volatile long stopDrainDeadlineNanos;

	private volatile boolean stopping;

	/** Whether the election last said this instance leads, whatever the database says. */
	private volatile boolean elected;

	LeadershipTransitions(Pipeline pipeline, HarvestEvents events, Config config) {
		this.pipeline = pipeline;
		this.events = events;
		this.config = config;
	}

	// Told by the election, on its thread.

	@Override
	public void onLeaderAcquired() {
		// No I/O here: this thread keeps leadership alive. The marker takes the epoch.
		logger.info("Harvester '" + this.config.name() + "' was elected leader of group '"
				+ this.config.leaderGroupId() + "'");
		this.elected = true;
		this.pipeline.requestAcquire();
	}

	@Override
	public void onLeaderRevoked() {
		this.elected = false;
		this.transitionLock.lock();
		try {
			long deadline = drainDeadline();
			this.pipeline.stopLeading(null, false);
			boolean drained = this.pipeline.awaitInFlightDrained(deadline);
			boolean flushed = this.pipeline.flush(deadline);
			if (!drained || !flushed) {
				logger.warn("Harvester '" + this.config.name() + "' let go of leadership before "
						+ (drained ? "purging every acknowledged row" : "every record in flight was acknowledged")
						+ "; the next leader may publish those again");
			}
			this.pipeline.clearTerm();
			logger.info("Harvester '" + this.config.name() + "' is no longer leader");
			this.events.publish(new LeaderRevoked());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.pipeline.clearTerm();
			this.events.publish(new LeaderRevoked());
		}
		finally {
			this.transitionLock.unlock();
		}
	}

	@Override
	public void onLeaderFenced(String reason) {
		this.elected = false;
		fence(null, reason);
	}

	// Found by the marker, on its thread.

	/**
	 * Starts leading with a freshly acquired term and announces it.
	 * @param generation the acquire request the term answers
	 * @param term the term
	 * @return {@code true} when the term was taken up
	 */
	boolean acquired(long generation, Term term) {
		this.transitionLock.lock();
		try {
			if (!this.pipeline.startLeading(generation, term)) {
				return false;
			}
			logger.info("Harvester '" + this.config.name() + "' leads with epoch " + term.epoch() + " and leader id "
					+ term.leaderId());
			this.events.publish(new LeaderAcquired(term.leaderId(), term.epoch()));
			return true;
		}
		finally {
			this.transitionLock.unlock();
		}
	}

	/**
	 * Switches the current term to a new leader id and announces it.
	 * @param current the term to refresh
	 * @param leaderId the new leader id
	 * @return the new term, or {@code null} when {@code current} ended meanwhile
	 */
	@Nullable Term refreshed(Term current, UUID leaderId) {
		this.transitionLock.lock();
		try {
			Term refreshed = this.pipeline.refresh(current, leaderId);
			if (refreshed != null) {
				logger.info("Harvester '" + this.config.name() + "' refreshed its leader id to " + leaderId);
				this.events.publish(new LeaderRefreshed(leaderId));
			}
			return refreshed;
		}
		finally {
			this.transitionLock.unlock();
		}
	}

	/**
	 * Fences this instance because the database holds a newer epoch than {@code current}.
	 * @param current the term whose statement was refused
	 * @param currentEpoch the epoch the database holds
	 */
	void staleEpoch(Term current, long currentEpoch) {
		fence(current, "stale epoch: the database is at epoch " + currentEpoch + ", this leader holds epoch "
				+ current.epoch());
		// A former leader whose connection to Kafka came back may take an epoch in the instant
		// before its election notices that it lost; the election then never tells this
		// instance again that it leads. So if the election still says so a heartbeat timeout
		// from now, take a new epoch: by then a leader that is not the rightful one has been
		// fenced by its own election, which would withdraw this request.
		if (this.elected && !this.stopping) {
			Duration wait = this.config.limits().heartbeatTimeout();
			logger.warn("Harvester '" + this.config.name() + "' is still the elected leader; it takes a new epoch in "
					+ wait + " unless the election says otherwise by then");
			this.pipeline.requestAcquire(wait.toNanos());
		}
	}

	private void fence(@Nullable Term expected, String reason) {
		this.transitionLock.lock();
		try {
			if (this.pipeline.stopLeading(expected, true)) {
				this.pipeline.abortInFlight();
				logger.warn("Harvester '" + this.config.name() + "' fenced itself: " + reason);
				this.events.publish(new LeaderFenced(reason));
			}
		}
		finally {
			this.transitionLock.unlock();
		}
	}

	// Stopping.

	/**
	 * Bounds the drain of a revoke that happens while stopping, so that a stop does not wait
	 * for in-flight records twice.
	 * @param deadlineNanos the stop's drain deadline
	 */
	void stopping(long deadlineNanos) {
		this.stopDrainDeadlineNanos = deadlineNanos;
		this.stopping = true;
	}

	/**
	 * Ends a term the election did not revoke while closing, and announces it.
	 */
	void revokeIfStillHeld() {
		this.transitionLock.lock();
		try {
			if (this.pipeline.term() != null) {
				this.pipeline.stopLeading(null, true);
				logger.info("Harvester '" + this.config.name() + "' is no longer leader");
				this.events.publish(new LeaderRevoked());
			}
		}
		finally {
			this.transitionLock.unlock();
		}
	}

	private long drainDeadline() {
		long deadline = System.nanoTime() + this.config.limits().drainTimeout().toNanos();
		if (this.stopping && this.stopDrainDeadlineNanos - deadline < 0) {
			return this.stopDrainDeadlineNanos;
		}
		return deadline;
	}

}
