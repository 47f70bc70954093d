package dev.harvest.sample;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end tests of the sample order service on a real PostgreSQL and Kafka.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SampleApplicationIntegrationTests {

	private static final TestInfrastructure infrastructure = TestInfrastructure.get();

	private static final TestDatabase database = infrastructure.newDatabase();

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		TestInfrastructureProperties.register(registry, database, "sample");
		registry.add("management.endpoints.web.exposure.include", () -> "health,harvest");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private JdbcTemplate jdbc;

	@Autowired
	private Harvester harvester;

	@Autowired
	private LeadershipLog leadership;

	@Test
	void placedOrderIsPublishedWithItsKeyAndOutboxHeaders() {
		RestClient client = client();
		String customer = TestInfrastructure.uniqueName("alice");
		OrderPlaced placed = client.post()
			.uri("/orders")
			.body(Map.of("customer", customer, "amount", new BigDecimal("12.50")))
			.retrieve()
			.body(OrderPlaced.class);
		assertThat(placed.orderId()).isPositive();
		ConsumerRecord<String, String> record = consumeOne(customer);
		assertThat(record.key()).isEqualTo(customer);
		assertThat(record.value()).contains("\"orderId\":" + placed.orderId()).contains("12.5");
		assertThat(header(record, "outbox-id")).matches("\\d+");
		assertThat(header(record, "outbox-leader-epoch")).isEqualTo(Long.toString(this.harvester.epoch()));
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.jdbc.queryForObject("SELECT count(*) FROM outbox", Integer.class) == 0);
	}

	@Test
	void rejectedOrderLeavesNoOrderAndNoOutboxRow() {
		String customer = TestInfrastructure.uniqueName("bob");
		assertThatExceptionOfType(HttpClientErrorException.BadRequest.class).isThrownBy(() -> client().post()
			.uri("/orders")
			.body(Map.of("customer", customer, "amount", new BigDecimal("-1")))
			.retrieve()
			.toBodilessEntity());
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM orders WHERE customer = ?", Integer.class,
				customer))
			.isZero();
		assertThat(this.jdbc.queryForObject("SELECT count(*) FROM outbox WHERE kafka_key = ?", Integer.class,
				customer))
			.isZero();
		// A good order placed afterwards is the first and only record of that key in Kafka.
		client().post().uri("/orders").body(Map.of("customer", customer, "amount", 1)).retrieve().toBodilessEntity();
		assertThat(consumeAll(customer, Duration.ofSeconds(3))).hasSize(1);
	}

	@Test
	void harvestEndpointShowsTheLeaderOverHttp() {
		await().atMost(Duration.ofSeconds(30)).until(this.harvester::isLeader);
		@SuppressWarnings("unchecked")
		Map<String, Object> body = client().get().uri("/actuator/harvest").retrieve().body(Map.class);
		assertThat(body).containsEntry("leader", true).containsEntry("state", "RUNNING");
		assertThat(body.get("leaderId")).isEqualTo(this.harvester.leaderId().toString());
		assertThat(this.leadership.lastAcquired()).isNotNull();
		assertThat(this.leadership.lastAcquired().epoch()).isEqualTo(this.harvester.epoch());
	}

	private RestClient client() {
		return RestClient.create("http://localhost:" + this.port);
	}

	private ConsumerRecord<String, String> consumeOne(String key) {
		List<ConsumerRecord<String, String>> records = new ArrayList<>();
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			records.addAll(consumeAll(key, Duration.ofSeconds(1)));
			return !records.isEmpty();
		});
		return records.get(0);
	}

	private List<ConsumerRecord<String, String>> consumeAll(String key, Duration duration) {
		List<ConsumerRecord<String, String>> matching = new ArrayList<>();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
				ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.bootstrapServers(),
				ConsumerConfig.GROUP_ID_CONFIG, TestInfrastructure.uniqueName("check"),
				ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
				new StringDeserializer())) {
			consumer.subscribe(List.of(OrderService.TOPIC));
			long deadline = System.nanoTime() + duration.toNanos();
			while (System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach((record) -> {
					if (key.equals(record.key())) {
						matching.add(record);
					}
				});
			}
		}
		return matching;
	}

	private static String header(ConsumerRecord<String, String> record, String name) {
		return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
	}

}
