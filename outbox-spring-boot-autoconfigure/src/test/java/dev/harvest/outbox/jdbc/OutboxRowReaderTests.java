package dev.harvest.outbox.jdbc;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.jdbc.OutboxRowReader.Headers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link OutboxRowReader}'s pairing of header arrays.
 */
class OutboxRowReaderTests {

	@Test
	void headersPairUpInOrderWithRepeatedKeys() {
		Headers headers = Headers.of(new String[] { "a", "b", "a" }, new String[] { "1", "2", "3" });
		assertThat(headers.defect()).isNull();
		assertThat(headers.headers()).containsExactly(new OutboxHeader("a", "1"), new OutboxHeader("b", "2"),
				new OutboxHeader("a", "3"));
	}

	@Test
	void unequalArraysAreDefect() {
		Headers headers = Headers.of(new String[] { "a", "b" }, new String[] { "1" });
		assertThat(headers.defect()).isEqualTo("unequal number of header keys (2) and values (1)");
		assertThat(headers.headers()).isEmpty();
	}

	@Test
	void nullElementsAreDefects() {
		assertThat(Headers.of(new String[] { "a", null }, new String[] { "1", "2" }).defect())
			.isEqualTo("header key 2 is NULL");
		assertThat(Headers.of(new String[] { "a" }, new String[] { null }).defect())
			.isEqualTo("value of header 1 ('a') is NULL");
	}

	@Test
	void nullArraysCountAsEmpty() {
		assertThat(Headers.of(null, null)).isEqualTo(new Headers(List.of(), null));
		assertThat(Headers.of(null, new String[] { "1" }).defect())
			.isEqualTo("unequal number of header keys (0) and values (1)");
	}

}
