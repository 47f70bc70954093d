package dev.harvest.outbox.test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link TestInfrastructure}: the database and broker it hands out are
 * real and isolated.
 */
class TestInfrastructureIntegrationTests {

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	@Test
	void rowWrittenToDatabaseIsPublishedAndConsumedBack() throws Exception {
		TestDatabase database = this.infrastructure.newDatabase();
		String topic = this.infrastructure.newTopic("harness", 1);
		try (HikariDataSource dataSource = database.createDataSource()) {
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			jdbc.execute("CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, kafka_key TEXT NOT NULL, kafka_value TEXT)");
			String value = UUID.randomUUID().toString();
			jdbc.update("INSERT INTO outbox (kafka_key, kafka_value) VALUES (?, ?)", "k1", value);
			Map<String, Object> row = jdbc.queryForMap("SELECT kafka_key, kafka_value FROM outbox");

			try (KafkaProducer<String, String> producer = new KafkaProducer<>(
					Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, this.infrastructure.bootstrapServers()),
					new StringSerializer(), new StringSerializer())) {
				producer.send(new ProducerRecord<>(topic, (String) row.get("kafka_key"), (String) row.get("kafka_value")))
					.get();
			}
			try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
					ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, this.infrastructure.bootstrapServers(),
					ConsumerConfig.GROUP_ID_CONFIG, TestInfrastructure.uniqueName("harness"),
					ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
					new StringDeserializer())) {
				consumer.subscribe(List.of(topic));
				ConsumerRecord<String, String> received = null;
				long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
				while (received == null && System.nanoTime() < deadline) {
					ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
					if (!records.isEmpty()) {
						received = records.iterator().next();
					}
				}
				assertThat(received).isNotNull();
				assertThat(received.key()).isEqualTo("k1");
				assertThat(received.value()).isEqualTo(value);
			}
		}
	}

	@Test
	void eachDatabaseIsItsOwnSchema() {
		TestDatabase first = this.infrastructure.newDatabase();
		TestDatabase second = this.infrastructure.newDatabase();
		assertThat(first.schema()).isNotEqualTo(second.schema());
		try (HikariDataSource one = first.createDataSource(); HikariDataSource two = second.createDataSource()) {
			new JdbcTemplate(one).execute("CREATE TABLE outbox (id BIGINT)");
			Integer count = new JdbcTemplate(two).queryForObject(
					"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'outbox'",
					Integer.class);
			assertThat(count).isZero();
		}
	}

}
