package dev.harvest.outbox.membership;

import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * The leader group's row in {@code harvest_leader}: the epoch the latest leader took, when, and
 * when a leader last recorded a mark.
 *
 * @param epoch the epoch, greater for every new leadership term
 * @param leaderName the instance name of the leader that took it
 * @param leaderId the leader id it stamps on the rows it marks
 * @param acquiredAt when it took the epoch (database clock)
 * @param lastMarkAt when a leader last recorded that it ran its mark query (database clock), or
 * {@code null} when none did (a leader that does not record its marks, or a table without the
 * column); a time before {@code acquiredAt} is a former leader's
 */
public record LeaderRecord(long epoch, @Nullable String leaderName, @Nullable UUID leaderId,
		@Nullable Instant acquiredAt, @Nullable Instant lastMarkAt) {

	/**
	 * Returns when the current epoch's leader last marked, as far as the row tells: its latest
	 * recorded mark, or when it took the epoch if it has recorded none since. A leader that
	 * took an epoch and never marks thus falls behind from the moment it took over.
	 * @return the time, or {@code null} when no leader ever recorded a mark, so that nothing
	 * can be said
	 */
	public @Nullable Instant currentLeaderLastMark() {
		Instant lastMark = this.lastMarkAt;
		if (lastMark == null) {
			return null;
		}
		Instant acquired = this.acquiredAt;
		return (acquired != null && acquired.isAfter(lastMark)) ? acquired : lastMark;
	}

}
