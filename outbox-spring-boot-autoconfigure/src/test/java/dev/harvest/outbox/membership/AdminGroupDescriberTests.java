package dev.harvest.outbox.membership;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AdminGroupDescriber}.
 */
class AdminGroupDescriberTests {

	@Test
	void adminTakesTheConnectionSettingsAndItsOwnClientId() {
		Map<String, Object> properties = AdminGroupDescriber.adminProperties(Map.of("bootstrap.servers", "kafka:9092",
				"security.protocol", "SSL", "client.id", "orders", "group.id", "ignored", "max.poll.records", 10),
				"pod-a");
		assertThat(properties).containsOnly(Map.entry("bootstrap.servers", "kafka:9092"),
				Map.entry("security.protocol", "SSL"), Map.entry("client.id", "orders-members-pod-a"));
	}

	@Test
	void clientIdPrefixDefaultsToHarvest() {
		assertThat(AdminGroupDescriber.adminProperties(Map.of(), "pod-a")).containsEntry("client.id",
				"harvest-members-pod-a");
	}

}
