package dev.harvest.outbox.neli;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Elects one leader among the instances of a group and keeps telling whether this instance may
 * still act as leader.
 */
public interface LeaderElection {

	/**
	 * Starts electing on a dedicated thread; returns at once.
	 * @param listener told about leadership changes
	 */
	void start(LeadershipListener listener);

	/**
	 * Whether this instance currently holds leadership and is not fenced.
	 * @return {@code true} when leader
	 */
	boolean isLeader();

	/**
	 * Whether this instance may act as leader right now: it is leader, it read back one of its
	 * own heartbeats within the heartbeat timeout, and the election thread polled recently.
	 * Cheap; called before every send.
	 * @return {@code true} when leader work may go on
	 */
	boolean hasValidLease();

	/**
	 * Returns when this instance last sent one of its own heartbeats that it read back, while
	 * it leads.
	 * @return the time, or {@code null} when not leading or not known
	 */
	default @Nullable Instant lastHeartbeat() {
		return null;
	}

	/**
	 * Leaves the group (calling {@link LeadershipListener#onLeaderRevoked()} first when leader)
	 * and stops the election thread, waiting at most {@code timeout}.
	 * @param timeout the longest wait
	 */
	void close(Duration timeout);

}
