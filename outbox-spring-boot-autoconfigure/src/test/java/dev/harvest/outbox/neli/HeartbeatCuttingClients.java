package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;

/**
 * Real Kafka election clients whose heartbeat sends can be cut off, as if this instance lost
 * its way to the leader topic while its group membership stays alive.
 */
final class HeartbeatCuttingClients implements ElectionClients {

	private final KafkaElectionClients delegate;

	private volatile boolean cut;

	HeartbeatCuttingClients(NeliConfig config, Map<String, Object> consumerProperties,
			Map<String, Object> producerProperties) {
		this.delegate = new KafkaElectionClients(config, consumerProperties, producerProperties);
	}

	void cut(boolean cut) {
		this.cut = cut;
	}

	@Override
	public void ensureTopic(Duration timeout) {
		this.delegate.ensureTopic(timeout);
	}

	@Override
	public Consumer<byte[], byte[]> createConsumer() {
		return this.delegate.createConsumer();
	}

	@Override
	public HeartbeatSender createHeartbeatSender() {
		HeartbeatSender sender = this.delegate.createHeartbeatSender();
		return new HeartbeatSender() {

			@Override
			public void send(Heartbeat heartbeat) {
				if (!HeartbeatCuttingClients.this.cut) {
					sender.send(heartbeat);
				}
			}

			@Override
			public void close(Duration timeout) {
				sender.close(timeout);
			}

		};
	}

}
