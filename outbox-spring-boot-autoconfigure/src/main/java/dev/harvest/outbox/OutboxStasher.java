package dev.harvest.outbox;

import java.util.Collection;

/**
 * Writes records into the outbox inside the caller's transaction, so that they are published
 * to Kafka if and only if that transaction commits.
 */
public interface OutboxStasher {

	/**
	 * Writes one record into the outbox through the current transaction.
	 * @param record the record
	 * @throws org.springframework.transaction.IllegalTransactionStateException when no
	 * transaction is active (unless configured otherwise)
	 * @throws IllegalArgumentException when the record is not valid for Kafka or the table
	 */
	void stash(OutboxRecord record);

	/**
	 * Writes records into the outbox in one batch through the current transaction; either
	 * all of them are written or, when one is invalid, none.
	 * @param records the records, in the order they should be published per key
	 */
	void stashAll(Collection<OutboxRecord> records);

}
