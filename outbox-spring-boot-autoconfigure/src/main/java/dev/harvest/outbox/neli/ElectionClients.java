package dev.harvest.outbox.neli;

import java.time.Duration;

import org.apache.kafka.clients.consumer.Consumer;

/**
 * Creates what the election thread talks to Kafka with; called on that thread only, again
 * after each failure.
 */
interface ElectionClients {

	/**
	 * Makes sure the leader topic exists.
	 * @param timeout the longest time to spend
	 * @throws LeaderTopicUnavailableException when it does not and cannot be created
	 */
	void ensureTopic(Duration timeout);

	/**
	 * Creates a consumer for the leader group, not yet subscribed.
	 * @return a new consumer
	 */
	Consumer<byte[], byte[]> createConsumer();

	/**
	 * Creates the heartbeat sender.
	 * @return a new sender
	 */
	HeartbeatSender createHeartbeatSender();

}
