package dev.harvest.outbox.neli;

import java.time.Duration;

/**
 * Sends heartbeats to partition 0 of the leader topic without blocking the election thread for
 * long; failures are the sender's to log, the election only notices heartbeats not coming
 * back.
 */
interface HeartbeatSender {

	/**
	 * Starts sending one heartbeat and returns without waiting for it to be written.
	 * @param heartbeat the heartbeat
	 */
	void send(Heartbeat heartbeat);

	/**
	 * Releases the sender, waiting at most {@code timeout} for heartbeats in flight.
	 * @param timeout the longest wait
	 */
	void close(Duration timeout);

}
