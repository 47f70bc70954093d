package dev.harvest.outbox.kafka;

/**
 * What kind of failure a failed send was, which decides how the record is retried.
 */
public enum SendFailureKind {

	/**
	 * A transient failure (timeouts, leader changes, not enough replicas): retry the record with
	 * backoff, by default without limit.
	 */
	RETRIABLE,

	/**
	 * A failure caused by the record (too large, invalid or forbidden topic): retry a few times,
	 * then hand the record to the poison policy.
	 */
	POISON,

	/**
	 * A failure that leaves the producer unusable (fenced, authentication, closed): rebuild the
	 * shard's producer and retry the record without counting the attempt against it.
	 */
	FATAL

}
