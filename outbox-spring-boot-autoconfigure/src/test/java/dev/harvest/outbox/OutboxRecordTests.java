package dev.harvest.outbox;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link OutboxRecord}.
 */
class OutboxRecordTests {

	@Test
	void withHeaderAppendsToACopy() {
		OutboxRecord original = OutboxRecord.builder("orders", "k").value("v").header("a", "1").build();
		OutboxRecord copy = original.withHeader("a", "2");
		assertThat(copy.headers()).containsExactly(new OutboxHeader("a", "1"), new OutboxHeader("a", "2"));
		assertThat(copy.topic()).isEqualTo("orders");
		assertThat(copy.key()).isEqualTo("k");
		assertThat(copy.value()).isEqualTo("v".getBytes(StandardCharsets.UTF_8));
		assertThat(original.headers()).containsExactly(new OutboxHeader("a", "1"));
	}

}
