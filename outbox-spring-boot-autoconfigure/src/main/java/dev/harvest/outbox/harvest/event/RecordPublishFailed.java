package dev.harvest.outbox.harvest.event;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Kafka refused a record or its send failed. The record is sent again at
 * {@code nextAttempt}, before any later record of its key, or, when that is {@code null}, the
 * poison policy takes it.
 *
 * @param id the outbox row id
 * @param topic the record's topic
 * @param key the record's key
 * @param attempt how many attempts have failed and count against the record (a failure that
 * made the producer unusable does not count)
 * @param errorClass the class name of the failure
 * @param kind how the failure was classified: {@code RETRIABLE}, {@code POISON} or
 * {@code FATAL}
 * @param nextAttempt when the record is sent again, or {@code null} when it goes to the poison
 * policy
 */
public record RecordPublishFailed(long id, String topic, String key, int attempt, String errorClass, String kind,
		@Nullable Instant nextAttempt) implements HarvestEvent {

}
