package dev.harvest.outbox.harvest;

/**
 * Decides what happens to a record the harvester cannot publish, and so to its key. Called on
 * the harvester's purge thread, where it may use the database; records of the same key that
 * come later wait until it has decided.
 */
@FunctionalInterface
public interface PoisonRecordHandler {

	/**
	 * Deals with a record that cannot be published.
	 * @param record the record and why it cannot be published
	 * @return what the harvester does next with the record and its key
	 */
	Disposition handle(PoisonRecord record);

	/**
	 * What the harvester does after a {@link PoisonRecordHandler} has dealt with a record.
	 */
	enum Disposition {

		/**
		 * The record stays in the outbox and in memory, and its key stays blocked for the rest
		 * of this leadership term.
		 */
		HOLD,

		/**
		 * The handler has taken the row out of the outbox (for example into quarantine); the key
		 * stays blocked for the rest of this leadership term.
		 */
		REMOVED_HOLD_KEY,

		/**
		 * The handler has taken the row out of the outbox; the key continues with its next
		 * record, which gives up that key's order.
		 */
		REMOVED_RELEASE_KEY

	}

}
