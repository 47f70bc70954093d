package dev.harvest.outbox.neli;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Heartbeat}.
 */
class HeartbeatTests {

	@Test
	void encodedHeartbeatDecodesToItself() {
		Heartbeat heartbeat = new Heartbeat("orders.leader", "pod-1_42", UUID.randomUUID(), 7, 1_700_000_000_000L,
				-123_456_789L);
		assertThat(Heartbeat.decode(heartbeat.key(), heartbeat.value())).isEqualTo(heartbeat);
	}

	@Test
	void instanceNameMayHoldSpacesAndAnyCharacter() {
		Heartbeat heartbeat = new Heartbeat("group", "host a % b ü", UUID.randomUUID(), 0, 1, 2);
		assertThat(Heartbeat.decode(heartbeat.key(), heartbeat.value())).isEqualTo(heartbeat);
	}

	@Test
	void foreignRecordsAreNotHeartbeats() {
		byte[] key = "group".getBytes(StandardCharsets.UTF_8);
		assertThat(Heartbeat.decode(key, "1700000000000000000%pod-1".getBytes(StandardCharsets.UTF_8))).isNull();
		assertThat(Heartbeat.decode(key, new byte[] { (byte) 0xff, 0, 1 })).isNull();
		assertThat(Heartbeat.decode(key, "harvest-neli/1 not-a-uuid 1 2 3 pod".getBytes(StandardCharsets.UTF_8)))
			.isNull();
		assertThat(Heartbeat.decode(key, ("harvest-neli/2 " + UUID.randomUUID() + " 1 2 3 pod")
			.getBytes(StandardCharsets.UTF_8))).isNull();
		assertThat(Heartbeat.decode(key, ("harvest-neli/1 " + UUID.randomUUID() + " 1 2 3")
			.getBytes(StandardCharsets.UTF_8))).isNull();
		assertThat(Heartbeat.decode(key, ("harvest-neli/1 " + UUID.randomUUID() + " x 2 3 pod")
			.getBytes(StandardCharsets.UTF_8))).isNull();
		assertThat(Heartbeat.decode(null, "harvest-neli/1".getBytes(StandardCharsets.UTF_8))).isNull();
		assertThat(Heartbeat.decode(key, null)).isNull();
	}

}
