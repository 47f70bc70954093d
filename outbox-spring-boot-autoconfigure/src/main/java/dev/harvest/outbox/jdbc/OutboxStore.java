package dev.harvest.outbox.jdbc;

import java.util.Collection;
import java.util.Set;
import java.util.UUID;

/**
 * The harvester's view of the database: leader epochs, marking and purging. Every method is a
 * single short statement (or transaction) and throws
 * {@link org.springframework.dao.DataAccessException} on database errors.
 */
public interface OutboxStore {

	/**
	 * Takes a new leadership epoch for the group: one greater than any epoch the group has had.
	 * Statements guarded by an older epoch take no effect from then on.
	 * @param groupId the leader group
	 * @param instanceName the instance taking the epoch
	 * @param leaderId the leader id of the new term
	 * @return the new epoch
	 */
	long acquireEpoch(String groupId, String instanceName, UUID leaderId);

	/**
	 * Claims up to {@code limit} of the lowest-id rows in {@code (afterId, upToId]} that are
	 * not already marked with {@code leaderId}, stamping them with it, provided
	 * {@code epoch} is still the group's current epoch.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param leaderId the caller's current leader id
	 * @param afterId rows with ids greater than this are considered
	 * @param upToId rows with ids up to and including this are considered
	 * @param limit the most rows to claim
	 * @return the claimed rows, or a fenced result
	 */
	default MarkResult mark(String groupId, long epoch, UUID leaderId, long afterId, long upToId, int limit) {
		return mark(groupId, epoch, leaderId, afterId, upToId, limit, Set.of());
	}

	/**
	 * Claims rows as {@link #mark(String, long, UUID, long, long, int)} does, leaving out the
	 * rows of held keys, which stay as they are until their key is no longer held.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param leaderId the caller's current leader id
	 * @param afterId rows with ids greater than this are considered
	 * @param upToId rows with ids up to and including this are considered
	 * @param limit the most rows to claim
	 * @param heldKeys keys whose rows are not claimed
	 * @return the claimed rows, or a fenced result
	 */
	MarkResult mark(String groupId, long epoch, UUID leaderId, long afterId, long upToId, int limit,
			Collection<HeldKey> heldKeys);

	/**
	 * Takes the leader id off rows this leader claimed but will not publish now, so that they
	 * are claimed again in id order later, provided {@code epoch} is still the group's current
	 * epoch.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 * @param ids the row ids
	 * @return a result without rows, fenced when the epoch is stale
	 */
	MarkResult unmark(String groupId, long epoch, Collection<Long> ids);

	/**
	 * Records in the group's epoch row that its leader has just run a mark statement, provided
	 * {@code epoch} is still the group's current epoch, so that other instances can tell whether
	 * the leader is still marking. The leader calls it at most once per interval, not on every
	 * mark.
	 * @param groupId the leader group
	 * @param epoch the caller's epoch
	 */
	void recordMark(String groupId, long epoch);

	/**
	 * Deletes rows that Kafka has acknowledged, provided {@code epoch}, the epoch they were
	 * sent under, is still the group's current epoch. Deleting a row that is already gone is
	 * not an error. A refused purge leaves the rows for the next leader to send again, so that
	 * a former leader whose acknowledgements come in late never deletes a row its successor
	 * has not published.
	 * @param groupId the leader group
	 * @param epoch the epoch the rows were sent under
	 * @param ids the row ids
	 * @return how many rows were deleted, fenced when the epoch is stale
	 */
	PurgeResult purge(String groupId, long epoch, Collection<Long> ids);

}
