package dev.harvest.outbox;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

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
	 * @throws org.springframework.transaction.IllegalTransactionStateException when no
	 * transaction is active (unless configured otherwise)
	 * @throws IllegalArgumentException when a record is not valid for Kafka or the table; the
	 * message gives its index
	 */
	void stashAll(Collection<OutboxRecord> records);

	/**
	 * Writes a value into the outbox through the current transaction: {@code byte[]} and
	 * {@code String} values as they are, other objects through the configured Kafka
	 * serializer, {@code null} as a tombstone.
	 * @param topic the Kafka topic
	 * @param key the record key
	 * @param value the value
	 * @see #toRecord(String, String, Object)
	 */
	default void stash(String topic, String key, @Nullable Object value) {
		stash(toRecord(topic, key, value));
	}

	/**
	 * Makes a record from a value the way {@link #stash(String, String, Object)} does, without
	 * writing it, so that headers can be added or several records written with
	 * {@link #stashAll(Collection)}. Headers that the serializer sets (such as a JSON type id)
	 * are part of the record.
	 * @param topic the Kafka topic, passed to the serializer
	 * @param key the record key
	 * @param value the value: {@code byte[]}, {@code String}, any object the serializer
	 * accepts, or {@code null} for a tombstone
	 * @return the record
	 * @throws IllegalArgumentException when the topic is not a legal Kafka topic name
	 * @throws IllegalStateException when the value needs a serializer and none is configured
	 */
	OutboxRecord toRecord(String topic, String key, @Nullable Object value);

}
