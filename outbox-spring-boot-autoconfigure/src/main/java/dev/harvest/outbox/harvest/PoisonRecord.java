package dev.harvest.outbox.harvest;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.OutboxRow;

/**
 * A record the harvester cannot publish: it ran out of attempts, or its row cannot be
 * published as stored.
 *
 * @param row the outbox row
 * @param attempts how many sends were attempted (0 for a defective row)
 * @param lastFailure the failure of the last attempt, or {@code null} for a defective row
 */
public record PoisonRecord(OutboxRow row, int attempts, @Nullable Throwable lastFailure) {

	/**
	 * Describes why the record cannot be published.
	 * @return a description for logs
	 */
	public String reason() {
		if (this.row.defect() != null) {
			return "row is defective: " + this.row.defect();
		}
		Throwable failure = this.lastFailure;
		String cause = (failure != null) ? failure.getClass().getName() + ": " + failure.getMessage() : "unknown";
		return "failed " + this.attempts + " attempt(s), last with " + cause;
	}

}
