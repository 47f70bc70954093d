package dev.harvest.outbox.harvest;

/**
 * What happens to a record that cannot be published after its attempts are used up.
 */
public enum PoisonPolicy {

	/**
	 * The row moves to quarantine and its key stays blocked until an operator acts; other keys
	 * keep flowing and the key's order is kept.
	 */
	HOLD_KEY,

	/**
	 * The row and every later row of its key move to quarantine in id order until the key is
	 * released; the key's order is kept.
	 */
	PARK_KEY,

	/**
	 * The row moves to quarantine and its key continues; this breaks the key's order and is
	 * therefore opt-in.
	 */
	SKIP_RECORD

}
