package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * Tests for the client settings {@link KafkaElectionClients} forces.
 */
class KafkaElectionClientsTests {

	private final NeliConfig config = new NeliConfig("orders.leader", "orders.leader.neli", "pod-1",
			Duration.ofMillis(1), Duration.ofMillis(100), Duration.ofMillis(2500), Duration.ofSeconds(5));

	@Test
	void consumerKeepsConnectionSettingsAndForcesElectionSettings() {
		Map<String, Object> given = Map.of("bootstrap.servers", "kafka:9092", "security.protocol", "SASL_SSL",
				"client.id", "orders", "group.id", "orders-app", "enable.auto.commit", true, "auto.offset.reset",
				"earliest", "partition.assignment.strategy", RangeAssignor.class.getName(), "group.instance.id",
				"static-1", "key.deserializer", StringDeserializer.class.getName(), "max.poll.interval.ms", 60000);
		Map<String, Object> consumer = KafkaElectionClients.consumerProperties(this.config, given);
		assertThat(consumer).contains(entry("bootstrap.servers", "kafka:9092"), entry("security.protocol", "SASL_SSL"),
				entry("max.poll.interval.ms", 60000), entry("group.id", "orders.leader"),
				entry("group.protocol", "classic"),
				entry("partition.assignment.strategy", CooperativeStickyAssignor.class.getName()),
				entry("enable.auto.commit", false), entry("auto.offset.reset", "latest"),
				entry("allow.auto.create.topics", false), entry("session.timeout.ms", 15000),
				entry("heartbeat.interval.ms", 1666),
				entry("key.deserializer", ByteArrayDeserializer.class.getName()),
				entry("value.deserializer", ByteArrayDeserializer.class.getName()),
				entry("client.id", "orders-neli-pod-1"));
		assertThat(consumer).doesNotContainKeys("group.instance.id", "group.remote.assignor");
	}

	@Test
	void producerGivesUpOnAHeartbeatWithinTheHeartbeatTimeout() {
		Map<String, Object> given = Map.of("bootstrap.servers", "kafka:9092", "acks", "all", "linger.ms", 50,
				"delivery.timeout.ms", 120000, "transactional.id", "tx-1", "value.serializer",
				StringSerializer.class.getName());
		Map<String, Object> producer = KafkaElectionClients.producerProperties(this.config, given);
		assertThat(producer).contains(entry("bootstrap.servers", "kafka:9092"), entry("acks", "1"),
				entry("enable.idempotence", false), entry("linger.ms", 0), entry("delivery.timeout.ms", 5000),
				entry("request.timeout.ms", 5000), entry("max.block.ms", 1000),
				entry("key.serializer", ByteArraySerializer.class.getName()),
				entry("value.serializer", ByteArraySerializer.class.getName()),
				entry("client.id", "harvest-neli-heartbeats-pod-1"));
		assertThat(producer).doesNotContainKey("transactional.id");
	}

	@Test
	void producerBlocksAtMostHalfTheMaxPollInterval() {
		NeliConfig shortPolls = new NeliConfig("g", "t", "pod-1", Duration.ofMillis(1), Duration.ofMillis(100),
				Duration.ofMillis(300), Duration.ofSeconds(5));
		assertThat(KafkaElectionClients.producerProperties(shortPolls, Map.of())).containsEntry("max.block.ms", 150);
	}

	@Test
	void adminTakesOnlyAdminSettingsFromTheConsumer() {
		Map<String, Object> admin = KafkaElectionClients.adminProperties(this.config,
				Map.of("bootstrap.servers", "kafka:9092", "sasl.mechanism", "PLAIN", "group.id", "orders-app",
						"auto.offset.reset", "earliest"));
		assertThat(admin).containsOnly(entry("bootstrap.servers", "kafka:9092"), entry("sasl.mechanism", "PLAIN"),
				entry("client.id", "harvest-neli-admin-pod-1"));
	}

}
