package dev.harvest.outbox.jdbc;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.PoisonPolicy;

/**
 * A held key as an operator sees it: how many of its rows wait in quarantine and since when.
 *
 * @param topic the Kafka topic
 * @param key the record key
 * @param rows how many unreleased rows of the key are in quarantine
 * @param oldestId the lowest id among them, the row that holds the key
 * @param policy the policy of that row, or {@code null} when it is not one Harvest knows
 * @param heldSince when the first of them was quarantined
 */
public record HeldKeyView(String topic, String key, long rows, long oldestId, @Nullable PoisonPolicy policy,
		Instant heldSince) {
}
