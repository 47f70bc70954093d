package dev.harvest.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The harvest endpoint's operator actions over HTTP with access granted: listing the
 * quarantine, retrying a row and releasing a key, and clear 4xx answers for bad requests.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class HarvestEndpointOperationsIntegrationTests {

	private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	private static final TestInfrastructure infrastructure = TestInfrastructure.get();

	private static final TestDatabase database = infrastructure.newDatabase();

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		TestInfrastructureProperties.register(registry, database, "operations");
		registry.add("management.endpoint.harvest.access", () -> "unrestricted");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private Harvester harvester;

	@Autowired
	private JdbcTemplate jdbc;

	@Test
	void operatorListsRetriesAndReleasesQuarantinedRows() {
		await().atMost(Duration.ofSeconds(30)).until(this.harvester::isLeader);
		// Unequal header arrays: the row can never be published as stored.
		long id = this.jdbc.queryForObject("INSERT INTO outbox (kafka_topic, kafka_key, kafka_value,"
				+ " kafka_header_keys, kafka_header_values) VALUES ('orders.placed', 'broken', NULL, '{a,b}', '{x}')"
				+ " RETURNING id", Long.class);
		this.harvester.wakeUp();
		await().atMost(Duration.ofSeconds(30)).until(() -> quarantined(id));

		Map<String, Object> page = get("/actuator/harvest/quarantine?page=0&size=10").getBody();
		assertThat(page).containsEntry("total", 1);
		assertThat((List<?>) page.get("items")).singleElement().satisfies((row) -> {
			Map<?, ?> fields = (Map<?, ?>) row;
			assertThat(fields.get("id")).isEqualTo((int) id);
			assertThat(fields.get("key")).isEqualTo("broken");
			assertThat(fields.get("policy")).isEqualTo("HOLD_KEY");
		});
		assertThat(getList("/actuator/harvest/held-keys")).singleElement().satisfies((key) -> {
			Map<?, ?> fields = (Map<?, ?>) key;
			assertThat(fields.get("key")).isEqualTo("broken");
			assertThat(fields.get("rows")).isEqualTo(1);
		});

		ResponseEntity<Map<String, Object>> retried = post("retry", Map.of("id", id));
		assertThat(retried.getStatusCode().value()).isEqualTo(200);
		assertThat(retried.getBody()).containsEntry("action", "RETRY").containsEntry("ids", List.of((int) id));
		// Still malformed, so it comes straight back.
		await().atMost(Duration.ofSeconds(30)).until(() -> quarantined(id));

		ResponseEntity<Map<String, Object>> released = post("release",
				Map.of("topic", "orders.placed", "key", "broken"));
		assertThat(released.getStatusCode().value()).isEqualTo(200);
		assertThat(getList("/actuator/harvest/held-keys")).isEmpty();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.harvester.heldKeys() == 0);
	}

	@Test
	void badRequestsGetAClientErrorWithAMessage() {
		ResponseEntity<Map<String, Object>> unknownRow = post("retry", Map.of("id", 987654321));
		assertThat(unknownRow.getStatusCode().value()).isEqualTo(404);
		assertThat(unknownRow.getBody()).containsEntry("status", 404);
		assertThat((String) unknownRow.getBody().get("error")).contains("No row with id 987654321");

		ResponseEntity<Map<String, Object>> unknownKey = post("replay", Map.of("topic", "orders.placed", "key", "nobody"));
		assertThat(unknownKey.getStatusCode().value()).isEqualTo(404);
		assertThat((String) unknownKey.getBody().get("error")).contains("Key 'nobody'");

		ResponseEntity<Map<String, Object>> missingKey = post("release", Map.of("topic", "orders.placed"));
		assertThat(missingKey.getStatusCode().value()).isEqualTo(400);
		assertThat((String) missingKey.getBody().get("error")).contains("needs the topic and the key");

		ResponseEntity<Map<String, Object>> unknownAction = post("explode", Map.of());
		assertThat(unknownAction.getStatusCode().value()).isEqualTo(404);
		assertThat((String) unknownAction.getBody().get("error")).contains("Unknown action 'explode'");

		ResponseEntity<Map<String, Object>> badPage = get("/actuator/harvest/quarantine?size=5000");
		assertThat(badPage.getStatusCode().value()).isEqualTo(400);
		assertThat((String) badPage.getBody().get("error")).contains("Page size must be between 1 and 1000");
	}

	@Test
	void pauseAndResumeWork() {
		assertThat(post("pause", Map.of()).getBody()).containsEntry("paused", true);
		assertThat(this.harvester.isPaused()).isTrue();
		assertThat(post("resume", Map.of()).getBody()).containsEntry("paused", false);
		assertThat(this.harvester.isPaused()).isFalse();
	}

	private boolean quarantined(long id) {
		return this.jdbc.queryForObject("SELECT count(*) FROM outbox_quarantine WHERE id = ? AND released_at IS NULL",
				Integer.class, id) == 1;
	}

	private ResponseEntity<Map<String, Object>> get(String uri) {
		return client().get().uri(uri).exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
			.body(response.bodyTo(JSON)));
	}

	private List<?> getList(String uri) {
		return client().get().uri(uri).retrieve().body(List.class);
	}

	private ResponseEntity<Map<String, Object>> post(String action, Map<String, Object> body) {
		return client().post()
			.uri("/actuator/harvest/" + action)
			.body(body)
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.body(response.bodyTo(JSON)));
	}

	private RestClient client() {
		return RestClient.create("http://localhost:" + this.port);
	}

}
