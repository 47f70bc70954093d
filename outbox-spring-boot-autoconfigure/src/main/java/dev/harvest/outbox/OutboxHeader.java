package dev.harvest.outbox;

import org.springframework.util.Assert;

/**
 * One Kafka header of an outbox record. Keys may repeat; values are text, as in goharvest's
 * {@code kafka_header_values TEXT[]} column.
 *
 * @param key the header key
 * @param value the header value
 */
public record OutboxHeader(String key, String value) {

	public OutboxHeader {
		Assert.notNull(key, "'key' of a header must not be null");
		Assert.notNull(value, () -> "value of header '" + key + "' must not be null");
	}

}
