package dev.harvest.outbox.jdbc;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.OutboxRecord;

/**
 * A row read from the outbox by a mark statement.
 *
 * @param id the row id
 * @param createTime when the row was written
 * @param record the Kafka record the row holds (with no headers when the row is defective)
 * @param defect why the row cannot be published as stored (for example unequal header
 * arrays), or {@code null} for a sound row
 */
public record OutboxRow(long id, Instant createTime, OutboxRecord record, @Nullable String defect) {

	public boolean isDefective() {
		return this.defect != null;
	}

}
