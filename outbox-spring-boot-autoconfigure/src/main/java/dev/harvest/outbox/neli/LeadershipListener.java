package dev.harvest.outbox.neli;

/**
 * Told about leadership changes, on the leader-election thread.
 */
public interface LeadershipListener {

	/**
	 * Partition 0 of the leader topic was assigned, or own heartbeats came back after a fence.
	 * Must not block for long: it runs on the thread that keeps leadership alive.
	 */
	void onLeaderAcquired();

	/**
	 * Partition 0 was revoked by a rebalance, or the election is closing while leader. May
	 * block (bounded) to finish leader work: the group rebalance waits for it to return.
	 */
	void onLeaderRevoked();

	/**
	 * No own heartbeat came back within the heartbeat timeout: stop leader work at once.
	 * @param reason a description for logs and events
	 */
	void onLeaderFenced(String reason);

}
