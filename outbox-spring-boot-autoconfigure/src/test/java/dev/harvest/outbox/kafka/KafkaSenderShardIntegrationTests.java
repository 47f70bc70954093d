package dev.harvest.outbox.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.ProducerFactory;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.jdbc.OutboxRow;
import dev.harvest.outbox.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link KafkaSenderShard} against a real broker, with producers copied
 * from an application's {@link DefaultKafkaProducerFactory}.
 */
class KafkaSenderShardIntegrationTests {

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	@Test
	void idempotentShardProducerDeliversRowsWithOutboxHeaders() throws Exception {
		String topic = this.infrastructure.newTopic("shard", 1);
		DefaultKafkaProducerFactory<String, String> application = new DefaultKafkaProducerFactory<>(
				Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, this.infrastructure.bootstrapServers(),
						ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
						ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
		List<String> producersAdded = new CopyOnWriteArrayList<>();
		application.addListener(new ProducerFactory.Listener<>() {

			@Override
			public void producerAdded(String id, Producer<String, String> producer) {
				producersAdded.add(id);
			}

		});
		DefaultKafkaProducerFactory<String, byte[]> factory = new ShardProducerFactories(application, "it")
			.forShard(0);
		assertThat(factory.getConfigurationProperties()).containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
			.containsEntry(ProducerConfig.ACKS_CONFIG, "all");
		KafkaSenderShard shard = new KafkaSenderShard(0, "it", factory);
		List<OutboxRow> rows = List.of(
				row(11, OutboxRecord.builder(topic, "order-1").value("created").header("source", "test").build()),
				row(12, OutboxRecord.builder(topic, "order-1").value("paid").build()),
				row(13, OutboxRecord.builder(topic, "order-1").build()));
		List<Exception> failures = new CopyOnWriteArrayList<>();
		CountDownLatch acknowledged = new CountDownLatch(rows.size());
		try {
			for (OutboxRow row : rows) {
				shard.send(row, 4, (metadata, ex) -> {
					if (ex != null) {
						failures.add(ex);
					}
					acknowledged.countDown();
				});
			}
			assertThat(acknowledged.await(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			shard.close();
		}
		assertThat(failures).isEmpty();
		assertThat(producersAdded).singleElement().asString().endsWith("harvest-it-0-1");

		List<ConsumerRecord<String, byte[]>> received = consume(topic, rows.size());
		assertThat(received).extracting(ConsumerRecord::key).containsOnly("order-1");
		assertThat(received).extracting((record) -> header(record, KafkaSenderShard.OUTBOX_ID_HEADER))
			.containsExactly("11", "12", "13");
		assertThat(received).extracting((record) -> header(record, KafkaSenderShard.LEADER_EPOCH_HEADER))
			.containsOnly("4");
		assertThat(header(received.get(0), "source")).isEqualTo("test");
		assertThat(new String(received.get(1).value(), StandardCharsets.UTF_8)).isEqualTo("paid");
		assertThat(received.get(2).value()).isNull();
	}

	private List<ConsumerRecord<String, byte[]>> consume(String topic, int count) {
		List<ConsumerRecord<String, byte[]>> received = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
				Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, this.infrastructure.bootstrapServers(),
						ConsumerConfig.GROUP_ID_CONFIG, TestInfrastructure.uniqueName("shard"),
						ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
				new StringDeserializer(), new ByteArrayDeserializer())) {
			consumer.subscribe(List.of(topic));
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			while (received.size() < count && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach(received::add);
			}
		}
		return received;
	}

	private static String header(ConsumerRecord<String, byte[]> record, String key) {
		return new String(record.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
	}

	private static OutboxRow row(long id, OutboxRecord record) {
		return new OutboxRow(id, Instant.now(), record, null);
	}

}
