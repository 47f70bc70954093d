package dev.harvest.sample;

import java.time.Duration;
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
 * The harvest endpoint with its default, read-only access: it can be read, and every write
 * operation is refused.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class HarvestEndpointReadOnlyIntegrationTests {

	private static final TestInfrastructure infrastructure = TestInfrastructure.get();

	private static final TestDatabase database = infrastructure.newDatabase();

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		TestInfrastructureProperties.register(registry, database, "read-only");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private Harvester harvester;

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
