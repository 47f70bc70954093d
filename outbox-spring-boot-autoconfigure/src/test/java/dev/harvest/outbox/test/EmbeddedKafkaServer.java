package dev.harvest.outbox.test;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A single Kafka broker in KRaft mode, run in this JVM by Spring Kafka's test support.
 */
public final class EmbeddedKafkaServer implements AutoCloseable {

	private final EmbeddedKafkaKraftBroker broker;

	private EmbeddedKafkaServer(EmbeddedKafkaKraftBroker broker) {
		this.broker = broker;
	}

	/**
	 * Starts a broker on a free port with settings that suit tests: no initial rebalance
	 * delay (group joins matter for leader election) and single-replica internal topics.
	 * @return the running broker
	 */
	public static EmbeddedKafkaServer start() {
		EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("group.initial.rebalance.delay.ms", "0");
		properties.put("group.min.session.timeout.ms", "1000");
		properties.put("auto.create.topics.enable", "true");
		properties.put("offsets.topic.num.partitions", "5");
		properties.put("transaction.state.log.replication.factor", "1");
		properties.put("transaction.state.log.min.isr", "1");
		properties.put("num.partitions", "1");
		broker.brokerProperties(properties);
		broker.afterPropertiesSet();
		return new EmbeddedKafkaServer(broker);
	}

	public String bootstrapServers() {
		return this.broker.getBrokersAsString();
	}

	@Override
	public void close() {
		this.broker.destroy();
	}

}
