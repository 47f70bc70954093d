package dev.harvest.outbox.membership;

import org.jspecify.annotations.Nullable;

/**
 * Where a leader group's epoch row comes from; a {@link LeaderRecordReader} outside tests.
 */
@FunctionalInterface
interface LeaderRecords {

	/**
	 * Reads the row of a leader group.
	 * @param groupId the leader group
	 * @return the row, or {@code null} when there is none
	 */
	@Nullable LeaderRecord read(String groupId);

}
