package dev.harvest.outbox.jdbc;

import org.springframework.util.Assert;

/**
 * A (topic, key) that the harvester must not publish, because a row of it is in quarantine
 * and not released. A NULL topic or key of a malformed row reads as empty text, as in
 * {@link OutboxRow}.
 *
 * @param topic the Kafka topic
 * @param key the record key
 */
public record HeldKey(String topic, String key) {

	public HeldKey {
		Assert.notNull(topic, "'topic' must not be null");
		Assert.notNull(key, "'key' must not be null");
	}

}
