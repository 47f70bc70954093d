package dev.harvest.outbox.neli;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.function.LongSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The leadership state of one election member: follower, leader or fenced leader, the current
 * term and the lease that own heartbeats keep alive. Changed only on the election thread, which
 * also calls the listener; read from any thread through volatile fields.
 */
final class Leadership {

	private static final Log logger = LogFactory.getLog(Leadership.class);

	private static final LeadershipListener NO_LISTENER = new LeadershipListener() {

		@Override
		public void onLeaderAcquired() {
		}

		@Override
		public void onLeaderRevoked() {
		}

		@Override
		public void onLeaderFenced(String reason) {
		}

	};

	private final NeliConfig config;

	private final Clock clock;

	private final LongSupplier nanoClock;

	private final long heartbeatTimeoutNanos;

	private final long maxPollIntervalNanos;

	private final long sessionTimeoutNanos;

	private volatile LeadershipListener listener = NO_LISTENER;

	private volatile Role role = Role.FOLLOWER;

	private volatile @Nullable UUID term;

	// The lease runs from here: the send time of the newest own heartbeat read back, or the
	// moment partition 0 was assigned.
	private volatile long leaseStartNanos;

	private volatile long lastPollNanos;

	private volatile @Nullable Instant leaderSince;

	private volatile @Nullable Instant lastHeartbeat;

	// Election thread only.
	private long sequence;

	Leadership(NeliConfig config) {
		this(config, Clock.systemUTC(), System::nanoTime);
	}

	Leadership(NeliConfig config, Clock clock, LongSupplier nanoClock) {
		this.config = config;
		this.clock = clock;
		this.nanoClock = nanoClock;
		this.heartbeatTimeoutNanos = config.heartbeatTimeout().toNanos();
		this.maxPollIntervalNanos = config.maxPollInterval().toNanos();
		this.sessionTimeoutNanos = config.sessionTimeout().toNanos();
		this.lastPollNanos = nanoClock.getAsLong();
	}

	void listener(LeadershipListener listener) {
		this.listener = listener;
	}

	boolean isLeader() {
		return this.role == Role.LEADER;
	}

	boolean isFenced() {
		return this.role == Role.FENCED;
	}

	boolean hasValidLease() {
		if (this.role != Role.LEADER) {
			return false;
		}
		long now = this.nanoClock.getAsLong();
		return now - this.leaseStartNanos <= this.heartbeatTimeoutNanos
				&& now - this.lastPollNanos <= this.maxPollIntervalNanos;
	}

	@Nullable Instant leaderSince() {
		return (this.role == Role.LEADER) ? this.leaderSince : null;
	}

	@Nullable Instant lastHeartbeat() {
		return (this.role != Role.FOLLOWER) ? this.lastHeartbeat : null;
	}

	@Nullable UUID term() {
		return (this.role != Role.FOLLOWER) ? this.term : null;
	}

	/**
	 * Partition 0 was assigned: a new term begins.
	 */
	void assigned() {
		if (this.role != Role.FOLLOWER) {
			return;
		}
		long now = this.nanoClock.getAsLong();
		this.lastPollNanos = now;
		this.leaseStartNanos = now;
		this.lastHeartbeat = null;
		beginTerm();
		logger.info(describe() + ": acquired leadership (term " + this.term + ")");
		call("onLeaderAcquired", () -> this.listener.onLeaderAcquired());
	}

	/**
	 * Partition 0 was revoked by a rebalance; the listener may block to finish leader work.
	 */
	void revoked() {
		if (this.role == Role.FOLLOWER) {
			return;
		}
		endTerm();
		logger.info(describe() + ": leadership revoked");
		call("onLeaderRevoked", () -> this.listener.onLeaderRevoked());
	}

	/**
	 * Partition 0 is gone without a revoke (lost by the group, or the consumer failed):
	 * another member may already lead.
	 * @param reason why
	 */
	void lost(String reason) {
		Role previous = this.role;
		if (previous == Role.FOLLOWER) {
			return;
		}
		endTerm();
		logger.warn(describe() + ": leadership lost: " + reason);
		if (previous == Role.LEADER) {
			call("onLeaderFenced", () -> this.listener.onLeaderFenced(reason));
		}
	}

	/**
	 * The election is closing: a leader gives up as if revoked, before the group is left.
	 */
	void closing() {
		if (this.role == Role.FOLLOWER) {
			return;
		}
		endTerm();
		logger.info(describe() + ": giving up leadership on close");
		call("onLeaderRevoked", () -> this.listener.onLeaderRevoked());
	}

	/**
	 * Takes in one record read from partition 0; only a fresh heartbeat of this member's
	 * current term renews the lease, and one sent within half the heartbeat timeout ends a
	 * fence.
	 * @param key the record key
	 * @param value the record value
	 * @param timestampMillis the record timestamp
	 * @return whether the record was accepted as an own heartbeat
	 */
	boolean readBack(byte @Nullable [] key, byte @Nullable [] value, long timestampMillis) {
		UUID currentTerm = this.term;
		if (this.role == Role.FOLLOWER || currentTerm == null) {
			return false;
		}
		Heartbeat heartbeat = Heartbeat.decode(key, value);
		if (heartbeat == null || !heartbeat.term().equals(currentTerm)
				|| !heartbeat.instanceName().equals(this.config.instanceName())
				|| !heartbeat.groupId().equals(this.config.groupId())) {
			return false;
		}
		long ageMillis = this.clock.millis() - timestampMillis;
		long now = this.nanoClock.getAsLong();
		long ageNanos = now - heartbeat.sentNanos();
		if (ageMillis > this.config.heartbeatTimeout().toMillis() || ageNanos > this.heartbeatTimeoutNanos
				|| ageNanos < 0) {
			if (logger.isDebugEnabled()) {
				logger.debug(describe() + ": ignoring stale heartbeat " + heartbeat.sequence() + " (record "
						+ ageMillis + " ms old)");
			}
			return false;
		}
		if (heartbeat.sentNanos() - this.leaseStartNanos > 0) {
			this.leaseStartNanos = heartbeat.sentNanos();
			this.lastHeartbeat = Instant.ofEpochMilli(heartbeat.sentAtMillis());
		}
		// Resuming takes a heartbeat that came back well within the timeout: one that barely
		// made it would fence the leader again moments later.
		if (this.role == Role.FENCED && ageNanos <= this.heartbeatTimeoutNanos / 2) {
			beginTerm();
			logger.info(describe() + ": own heartbeats are back, resumed leadership (term " + this.term + ")");
			call("onLeaderAcquired", () -> this.listener.onLeaderAcquired());
		}
		return true;
	}

	/**
	 * The election thread polled: records the time and fences a leader whose lease ran out.
	 * A leader fenced for longer than the session timeout ends its term and asks to rejoin:
	 * without heartbeats for that long it has most likely been evicted from the group and
	 * another member leads, so resuming on a heartbeat once Kafka is reachable again would
	 * only take the lead back for a moment and fence the rightful leader's epoch.
	 * @return {@code true} when the election should leave the group and join it afresh
	 */
	boolean polled() {
		long now = this.nanoClock.getAsLong();
		this.lastPollNanos = now;
		if (this.role == Role.LEADER && now - this.leaseStartNanos > this.heartbeatTimeoutNanos) {
			this.role = Role.FENCED;
			this.leaderSince = null;
			String reason = "no own heartbeat read back from leader topic '" + this.config.topic() + "' for "
					+ (now - this.leaseStartNanos) / 1_000_000 + " ms (heartbeat timeout "
					+ this.config.heartbeatTimeout().toMillis() + " ms)";
			logger.warn(describe() + ": fenced: " + reason);
			call("onLeaderFenced", () -> this.listener.onLeaderFenced(reason));
		}
		else if (this.role == Role.FENCED && now - this.leaseStartNanos > this.sessionTimeoutNanos) {
			endTerm();
			logger.warn(describe() + ": no own heartbeat read back for " + (now - this.leaseStartNanos) / 1_000_000
					+ " ms, longer than the session timeout (" + this.config.sessionTimeout().toMillis()
					+ " ms); giving up the term and rejoining the group");
			return true;
		}
		return false;
	}

	/**
	 * Returns the next heartbeat to send while partition 0 is assigned, fenced or not.
	 * @return the heartbeat, or {@code null} when not assigned
	 */
	@Nullable Heartbeat nextHeartbeat() {
		UUID currentTerm = this.term;
		if (this.role == Role.FOLLOWER || currentTerm == null) {
			return null;
		}
		return new Heartbeat(this.config.groupId(), this.config.instanceName(), currentTerm, this.sequence++,
				this.clock.millis(), this.nanoClock.getAsLong());
	}

	private void beginTerm() {
		this.term = UUID.randomUUID();
		this.sequence = 0;
		this.leaderSince = this.clock.instant();
		this.role = Role.LEADER;
	}

	private void endTerm() {
		this.role = Role.FOLLOWER;
		this.term = null;
		this.leaderSince = null;
		this.lastHeartbeat = null;
	}

	private void call(String callback, Runnable call) {
		try {
			call.run();
		}
		catch (RuntimeException ex) {
			logger.error(describe() + ": leadership listener failed in " + callback + "; the election goes on", ex);
		}
	}

	private String describe() {
		return "Leader election of '" + this.config.instanceName() + "' in group '" + this.config.groupId() + "'";
	}

	private enum Role {

		FOLLOWER, LEADER, FENCED

	}

}
