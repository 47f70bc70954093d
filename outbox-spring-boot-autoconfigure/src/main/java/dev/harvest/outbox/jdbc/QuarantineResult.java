package dev.harvest.outbox.jdbc;

import java.util.List;

/**
 * What a harvester's move into quarantine did: moved rows, or nothing because a newer leader
 * epoch exists, because the rows are no longer in the outbox, or because their key was
 * released.
 *
 * @param outcome what happened
 * @param currentEpoch the group's epoch as the statement saw it (0 when the group has none)
 * @param ids the ids of the moved rows in id order; empty unless moved
 */
public record QuarantineResult(Outcome outcome, long currentEpoch, List<Long> ids) {

	public QuarantineResult {
		ids = List.copyOf(ids);
	}

	/**
	 * Returns whether the caller's epoch is stale, so that nothing moved and the caller must
	 * stop acting as leader.
	 * @return whether fenced
	 */
	public boolean isFenced() {
		return this.outcome == Outcome.FENCED;
	}

	/**
	 * The outcome of a move into quarantine.
	 */
	public enum Outcome {

		/** The rows left the outbox and are in quarantine. */
		MOVED,

		/** The caller's epoch is not the group's current epoch; nothing moved. */
		FENCED,

		/** No row to move was in the outbox, for example because it was purged. */
		MISSING,

		/**
		 * The key is no longer held in quarantine, because an operator released or replayed
		 * it; nothing moved and the rows lost their leader id instead.
		 */
		RELEASED

	}

}
