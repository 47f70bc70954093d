package dev.harvest.outbox.jdbc;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.harvest.outbox.harvest.PoisonPolicy;

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
	 * {@link dev.harvest.outbox.harvest.PoisonPolicy#SKIP_RECORD SKIP_RECORD}. A row that an
	 * earlier call moved already (for example one whose commit the caller did not see) counts
	 * as moved.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param id the row id
	 * @param entry why the row goes to quarantine
	 * @return the row moved, or fenced, or missing from both tables
	 */
	default QuarantineResult quarantine(String groupId, long epoch, long id, QuarantineEntry entry) {
		return quarantine(groupId, epoch, id, entry, List.of());
	}

	/**
	 * Moves one row into quarantine as {@link #quarantine(String, long, long, QuarantineEntry)}
	 * does and, in the same transaction and only if the row moved, takes the leader id off
	 * other rows of its key that the caller had claimed, so that they are claimed again in id
	 * order once the key is no longer held.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param id the row id
	 * @param entry why the row goes to quarantine
	 * @param unmarkIds rows of the same key to unmark
	 * @return the row moved, or fenced, or missing from both tables
	 */
	QuarantineResult quarantine(String groupId, long epoch, long id, QuarantineEntry entry,
			Collection<Long> unmarkIds);

	/**
	 * Moves rows of a parked key from the outbox into quarantine in id order, provided
	 * {@code epoch} is still the group's current epoch and the key is still held by an
	 * unreleased row in quarantine. When an operator has released or replayed the key
	 * meanwhile, the rows stay in the outbox and lose their leader id instead, so that they
	 * are claimed again in id order.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param key the parked key
	 * @param ids the rows of the key to move
	 * @param entry why the rows go to quarantine; its policy must be
	 * {@link dev.harvest.outbox.harvest.PoisonPolicy#PARK_KEY PARK_KEY}
	 * @return the rows moved; or released when the key is no longer held; or fenced; or
	 * missing when none of the rows is in the outbox
	 */
	QuarantineResult park(String groupId, long epoch, HeldKey key, Collection<Long> ids, QuarantineEntry entry);

	/**
	 * Returns the keys held by unreleased rows in quarantine with the policy that holds
	 * them ({@link dev.harvest.outbox.harvest.PoisonPolicy#PARK_KEY PARK_KEY} when any of
	 * the rows was parked, else {@link dev.harvest.outbox.harvest.PoisonPolicy#HOLD_KEY
	 * HOLD_KEY}), for a leader to load when it takes over and to check while it leads.
	 * @return the held keys and their policies
	 */
	Map<HeldKey, PoisonPolicy> heldKeys();

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
