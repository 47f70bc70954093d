package dev.harvest.outbox.harvest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;

import dev.harvest.outbox.kafka.KafkaSenderShard;
import dev.harvest.outbox.kafka.ShardProducerFactories;
import dev.harvest.outbox.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link Harvester} sending through real idempotent producers to a real
 * broker, with the outbox and the election faked.
 */
class HarvesterKafkaIntegrationTests {

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	@Test
	void publishesEveryRowOnceInPerKeyOrderAndPurgesIt() throws Exception {
		String topic = this.infrastructure.newTopic("harvest", 4);
		FakeOutboxStore store = new FakeOutboxStore();
		FakeLeaderElection election = new FakeLeaderElection();
		Map<String, List<Long>> written = new LinkedHashMap<>();
		for (int i = 0; i < 400; i++) {
			String key = "order-" + (i % 20);
			long id = store.insert(topic, key, "event-" + i);
			written.computeIfAbsent(key, (k) -> new ArrayList<>()).add(id);
		}
		DefaultKafkaProducerFactory<String, String> application = new DefaultKafkaProducerFactory<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, this.infrastructure.bootstrapServers(),
						ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
						ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
		Config config = Config.builder()
			.name("it")
			.leaderGroupId(TestInfrastructure.uniqueName("group"))
			.limits(Limits.builder()
				.sendConcurrency(3)
				.markQueryRecords(50)
				.maxInFlightRecords(40)
				.markBackoff(Duration.ofMillis(5))
				.maxMarkBackoff(Duration.ofMillis(50))
				.build())
			.build();
		Harvester harvester = new Harvester(store, store, election, new ShardProducerFactories(application, "it")::forShard,
				null, config, (event) -> {
				});
		harvester.start();
		try {
			election.acquire().get(5, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(60)).until(() -> store.ids().isEmpty());
			assertThat(harvester.counters().published()).isEqualTo(400);
			assertThat(harvester.counters().purged()).isEqualTo(400);
		}
		finally {
			harvester.stop();
		}
		assertThat(harvester.state()).isEqualTo(HarvestState.STOPPED);

		Map<String, List<Long>> received = new HashMap<>();
		for (ConsumerRecord<String, byte[]> record : consume(topic, 400)) {
			long id = Long.parseLong(header(record, KafkaSenderShard.OUTBOX_ID_HEADER));
			received.computeIfAbsent(record.key(), (k) -> new ArrayList<>()).add(id);
			assertThat(header(record, KafkaSenderShard.LEADER_EPOCH_HEADER)).isEqualTo("1");
		}
		assertThat(received).isEqualTo(written);
	}

	private List<ConsumerRecord<String, byte[]>> consume(String topic, int count) {
		List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
				Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, this.infrastructure.bootstrapServers(),
						ConsumerConfig.GROUP_ID_CONFIG, TestInfrastructure.uniqueName("check"),
						ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
				new StringDeserializer(), new ByteArrayDeserializer())) {
			consumer.subscribe(List.of(topic));
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			while (received.size() < count && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach(received::add);
			}
			// Anything beyond the expected count would be a duplicate; give it a moment to show.
			consumer.poll(Duration.ofMillis(500)).forEach(received::add);
		}
		return received;
	}

	private static String header(ConsumerRecord<String, byte[]> record, String key) {
		return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
	}

}
