package dev.harvest.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatusCode;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The harvest endpoint with its default, read-only access: it can be read, including its
 * backlog and members sections and the outbox health group, and every write operation is
 * refused.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class HarvestEndpointReadOnlyIntegrationTests {

	private static final TestInfrastructure infrastructure = TestInfrastructure.get();

	private static final TestDatabase database = infrastructure.newDatabase();

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		TestInfrastructureProperties.register(registry, database, "read-only");
		registry.add("harvest.backlog.sample-interval", () -> "1s");
		registry.add("harvest.membership.refresh-interval", () -> "500ms");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private Harvester harvester;

	@Test
	@SuppressWarnings("unchecked")
	void backlogMembersAndTheOutboxHealthGroupAreReadOverHttp() {
		await().atMost(Duration.ofSeconds(30)).until(this.harvester::isLeader);
		RestClient client = RestClient.create("http://localhost:" + this.port);
		// Rates need two samples.
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			Map<String, Object> backlog = client.get()
				.uri("/actuator/harvest/backlog?all=true")
				.retrieve()
				.body(Map.class);
			assertThat(backlog).containsEntry("status", "OK")
				.containsEntry("allTopics", true)
				.containsEntry("totalBacklog", 0)
				.containsKeys("reasons", "topics", "sampledAt", "publishRate");
			assertThat((Map<String, Object>) backlog.get("window")).containsEntry("size", 12)
				.containsEntry("sampleInterval", "PT1S");
		});

		String name = this.harvester.config().name();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			Map<String, Object> members = client.get().uri("/actuator/harvest/members").retrieve().body(Map.class);
			assertThat(members).containsEntry("state", "STABLE");
			assertThat((List<Map<String, Object>>) members.get("members")).singleElement()
				.satisfies((member) -> assertThat(member).containsEntry("instanceName", name)
					.containsEntry("role", "LEADER")
					.containsEntry("self", true));
			assertThat((Map<String, Object>) members.get("leader")).containsEntry("instanceName", name)
				.containsEntry("epoch", (int) this.harvester.epoch());
		});

		Map<String, Object> health = client.get().uri("/actuator/health/outbox").retrieve().body(Map.class);
		assertThat(health).containsEntry("status", "UP");
		assertThat((Map<String, Object>) health.get("components")).containsOnlyKeys("harvest");
		Map<String, Object> main = client.get().uri("/actuator/harvest").retrieve().body(Map.class);
		assertThat((Map<String, Object>) main.get("backlog")).containsEntry("status", "OK");
	}

	@Test
	void writeOperationsAreRefusedWithoutGrantedAccess() {
		await().atMost(Duration.ofSeconds(30)).until(this.harvester::isLeader);
		RestClient client = RestClient.create("http://localhost:" + this.port);
		HttpStatusCode read = client.get()
			.uri("/actuator/harvest/quarantine")
			.exchange((request, response) -> response.getStatusCode());
		assertThat(read.value()).isEqualTo(200);
		for (String action : new String[] { "pause", "retry", "release", "replay" }) {
			HttpStatusCode status = client.post()
				.uri("/actuator/harvest/" + action)
				.body(Map.of("id", 1, "topic", "orders.placed", "key", "alice"))
				.exchange((request, response) -> response.getStatusCode());
			assertThat(status.is4xxClientError()).as("POST %s answered %s", action, status).isTrue();
		}
		assertThat(this.harvester.isPaused()).isFalse();
	}

}
