package dev.harvest.outbox.harvest.event;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.PoisonPolicy;

/**
 * An outbox row moved to the quarantine table instead of being published: a record that could
 * not be published, or a later row of a parked key.
 *
 * @param id the row id, kept in quarantine
 * @param topic the record's topic
 * @param key the record's key
 * @param attempts how many sends were attempted (0 for a malformed row or a parked successor)
 * @param errorClass the class name of the last failure, or {@code null} when there was none
 * @param policy the poison policy that moved it
 */
public record RecordQuarantined(long id, String topic, String key, int attempts, @Nullable String errorClass,
		PoisonPolicy policy) implements HarvestEvent {

}
