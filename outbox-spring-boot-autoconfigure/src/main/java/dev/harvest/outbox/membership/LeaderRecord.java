package dev.harvest.outbox.membership;

import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * The leader group's row in {@code harvest_leader}: the epoch the latest leader took and when.
 *
 * @param epoch the epoch, greater for every new leadership term
 * @param leaderName the instance name of the leader that took it
 * @param leaderId the leader id it stamps on the rows it marks
 * @param acquiredAt when it took the epoch (database clock)
 */
public record LeaderRecord(long epoch, @Nullable String leaderName, @Nullable UUID leaderId,
		@Nullable Instant acquiredAt) {

}
