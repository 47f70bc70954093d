package dev.harvest.outbox.jdbc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.PoisonPolicy;

/**
 * A row in quarantine as an operator sees it. The value is shown by its size only and the
 * headers by their keys only, so that a listing never carries payloads or header values.
 *
 * @param id the row's original outbox id
 * @param createTime when the row was written, or {@code null} when the outbox allowed none
 * @param topic the Kafka topic (empty when NULL in a malformed row)
 * @param key the record key (empty when NULL in a malformed row)
 * @param valueSize the size of the value in bytes, or {@code null} for a tombstone
 * @param headerKeys the header keys as stored, which may contain NULLs in a malformed row
 * @param attempts how many sends were attempted
 * @param firstFailureTime when the first attempt failed
 * @param lastFailureTime when the last attempt failed
 * @param lastError the last error or the row's defect
 * @param errorClass the class of the last error
 * @param policy the policy the row was quarantined with, or {@code null} when it is not one
 * Harvest knows
 * @param quarantinedAt when the row was moved to quarantine
 * @param releasedAt when the row stopped holding its key, or {@code null} while it holds it
 */
public record QuarantinedRow(long id, @Nullable Instant createTime, String topic, String key,
		@Nullable Integer valueSize, List<@Nullable String> headerKeys, int attempts,
		@Nullable Instant firstFailureTime, @Nullable Instant lastFailureTime, @Nullable String lastError,
		@Nullable String errorClass, @Nullable PoisonPolicy policy, Instant quarantinedAt,
		@Nullable Instant releasedAt) {

	public QuarantinedRow {
		// List.copyOf rejects the NULL elements a malformed row may have.
		headerKeys = Collections.unmodifiableList(new ArrayList<>(headerKeys));
	}

	/**
	 * Returns whether the row holds its key.
	 * @return whether not released
	 */
	public boolean holdsKey() {
		return this.releasedAt == null;
	}

}
