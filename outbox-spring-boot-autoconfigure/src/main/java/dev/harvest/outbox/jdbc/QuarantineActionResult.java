package dev.harvest.outbox.jdbc;

import java.util.List;

/**
 * What an operator's action on the quarantine did.
 *
 * @param action the action
 * @param topic the Kafka topic of the rows acted on
 * @param key the record key of the rows acted on
 * @param ids the ids of the rows acted on, in id order
 * @param keyHeld whether the key is still held afterwards, by other rows in quarantine
 */
public record QuarantineActionResult(Action action, String topic, String key, List<Long> ids, boolean keyHeld) {

	public QuarantineActionResult {
		ids = List.copyOf(ids);
	}

	/**
	 * An operator's action on the quarantine.
	 */
	public enum Action {

		/** One row went back into the outbox with its original id. */
		RETRY,

		/** A key's rows stay in quarantine but no longer hold the key. */
		RELEASE,

		/** A key's rows went back into the outbox with their original ids. */
		REPLAY

	}

}
