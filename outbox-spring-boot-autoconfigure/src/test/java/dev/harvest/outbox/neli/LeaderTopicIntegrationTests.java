package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Integration tests for {@link LeaderTopic} on a real broker.
 */
class LeaderTopicIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final Map<String, Object> adminProperties = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
			this.infrastructure.bootstrapServers());

	private final Admin admin = Admin.create(this.adminProperties);

	@AfterEach
	void closeAdmin() {
		this.admin.close(Duration.ofSeconds(5));
	}

	@Test
	void missingTopicIsCreatedWithOnePartitionAndShortRetention() throws Exception {
		String topic = TestInfrastructure.uniqueName("neli-leader");
		assertThat(LeaderTopic.ensureExists(this.adminProperties, topic, TIMEOUT)).isTrue();
		assertThat(describe(topic).partitions()).hasSize(1);
		Config config = configOf(topic);
		assertThat(config.get("cleanup.policy").value()).isEqualTo("delete");
		assertThat(config.get("retention.ms").value()).isEqualTo("3600000");
		assertThat(config.get("segment.ms").value()).isEqualTo("600000");
		assertThat(LeaderTopic.ensureExists(this.adminProperties, topic, TIMEOUT)).isFalse();
	}

	@Test
	void existingTopicIsLeftAsItIs() throws Exception {
		String topic = this.infrastructure.newTopic("neli-existing", 2);
		String retention = configOf(topic).get("retention.ms").value();
		assertThat(LeaderTopic.ensureExists(this.adminProperties, topic, TIMEOUT)).isFalse();
		assertThat(describe(topic).partitions()).hasSize(2);
		assertThat(configOf(topic).get("retention.ms").value()).isEqualTo(retention).isNotEqualTo("3600000");
	}

	@Test
	void invalidTopicNameFailsWithHowToCreateTheTopicByHand() {
		String topic = "not a valid topic!";
		assertThatExceptionOfType(LeaderTopicUnavailableException.class)
			.isThrownBy(() -> LeaderTopic.ensureExists(this.adminProperties, topic, TIMEOUT))
			.satisfies((ex) -> assertThat(ex.getTopic()).isEqualTo(topic))
			.withMessageContaining("Leader topic 'not a valid topic!' is unavailable")
			.withMessageContaining("kafka-topics.sh --bootstrap-server " + this.infrastructure.bootstrapServers())
			.withMessageContaining("--partitions 1");
	}

	@Test
	void unreachableClusterFailsWithinTheTimeout() {
		long start = System.nanoTime();
		assertThatExceptionOfType(LeaderTopicUnavailableException.class)
			.isThrownBy(() -> LeaderTopic.ensureExists(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"),
					"neli-unreachable", Duration.ofSeconds(1)))
			.withMessageContaining("did not answer within PT1S")
			.withMessageContaining("--topic neli-unreachable --partitions 1");
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
	}

	private TopicDescription describe(String topic) throws Exception {
		return this.admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
	}

	private Config configOf(String topic) throws Exception {
		ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
		return this.admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
	}

}
