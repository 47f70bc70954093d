package dev.harvest.outbox.jdbc;

import java.util.List;
import java.util.Set;

/**
 * The quarantine table, {@code <outbox>_quarantine}: where rows that cannot be published go
 * instead of being dropped, and which keys they hold. A move is one statement, so a row is
 * never in both tables nor in neither. The harvester's moves are fenced by its leader epoch
 * as marking is; an operator's actions are not, so that any instance can serve them. Every
 * method throws {@link org.springframework.dao.DataAccessException} on database errors.
 */
public interface QuarantineStore {

	/** The most items a page of a listing may hold. */
	int MAX_PAGE_SIZE = 1000;

	/**
	 * Moves one row from the outbox into quarantine with its id, provided {@code epoch} is
	 * still the group's current epoch. Its key is held unless the entry's policy is
	 * {@link dev.harvest.outbox.harvest.PoisonPolicy#SKIP_RECORD SKIP_RECORD}.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param id the row id
	 * @param entry why the row goes to quarantine
	 * @return the row moved, or fenced, or missing from the outbox
	 */
	QuarantineResult quarantine(String groupId, long epoch, long id, QuarantineEntry entry);

	/**
	 * Moves every outbox row of a key into quarantine in id order, which parks the key,
	 * provided {@code epoch} is still the group's current epoch. Used for the key of a
	 * record that cannot be published and again for rows of a parked key that arrive later.
	 * Every moved row is stored with the same entry.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param topic the Kafka topic
	 * @param key the record key
	 * @param entry why the rows go to quarantine; its policy must be
	 * {@link dev.harvest.outbox.harvest.PoisonPolicy#PARK_KEY PARK_KEY}
	 * @return the rows moved, or fenced, or missing when the key has no row in the outbox
	 */
	QuarantineResult park(String groupId, long epoch, String topic, String key, QuarantineEntry entry);

	/**
	 * Returns the keys held by unreleased rows in quarantine, for a leader to load when it
	 * takes over and to refresh while it leads.
	 * @return the held keys
	 */
	Set<HeldKey> heldKeys();

	/**
	 * Lists the rows in quarantine, released or not, ordered by id.
	 * @param page the page number, from 0
	 * @param size the most rows per page, at most {@value #MAX_PAGE_SIZE}
	 * @return the page
	 * @throws IllegalArgumentException when the page or size is out of range
	 */
	Page<QuarantinedRow> list(int page, int size);

	/**
	 * Lists the held keys with the number of their rows in quarantine, ordered by the id of
	 * the row that holds them.
	 * @param page the page number, from 0
	 * @param size the most keys per page, at most {@value #MAX_PAGE_SIZE}
	 * @return the keys of the page
	 * @throws IllegalArgumentException when the page or size is out of range
	 */
	List<HeldKeyView> listHeldKeys(int page, int size);

	/**
	 * Moves a row from quarantine back into the outbox with its original id, so that it is
	 * published before the rows of its key that came after it. The key stays held while
	 * other unreleased rows of it remain in quarantine; to retry a parked key as a whole,
	 * use {@link #replay(String, String)}. Retrying a released row publishes it again after
	 * rows of its key that have been published meanwhile.
	 * @param id the row id
	 * @return what was done
	 * @throws IllegalArgumentException when no row with that id is in quarantine
	 */
	QuarantineActionResult retry(long id);

	/**
	 * Releases a held key: its rows stay in quarantine, and the key's later rows are
	 * published without them. That the key continues without them is the operator's
	 * decision.
	 * @param topic the Kafka topic
	 * @param key the record key
	 * @return what was done
	 * @throws IllegalArgumentException when the key is not held
	 */
	QuarantineActionResult release(String topic, String key);

	/**
	 * Moves all of a key's rows, released or not, from quarantine back into the outbox with
	 * their original ids, so that they are published in id order and the key is no longer
	 * held.
	 * @param topic the Kafka topic
	 * @param key the record key
	 * @return what was done
	 * @throws IllegalArgumentException when the key has no row in quarantine
	 */
	QuarantineActionResult replay(String topic, String key);

}
