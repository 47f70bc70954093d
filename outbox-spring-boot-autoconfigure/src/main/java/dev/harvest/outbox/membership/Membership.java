package dev.harvest.outbox.membership;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The leader group as last described: its members with the leader and this instance marked,
 * and the leader's epoch from the database.
 *
 * @param groupId the leader group
 * @param state the group's state as the coordinator reports it (e.g. {@code STABLE},
 * {@code PREPARING_REBALANCE}, {@code EMPTY}), or {@code UNKNOWN} before the first description
 * @param coordinator the coordinating broker as {@code host:port}, or {@code null}
 * @param members the members, ordered by client id
 * @param leaderSince when the current leader took over: the epoch's acquisition time when the
 * epoch row names it, otherwise when this view first saw it lead; {@code null} without a
 * leader
 * @param leaderRecord the group's {@code harvest_leader} row, or {@code null} when there is
 * none or it is not read
 * @param refreshedAt when the group was last described successfully, or {@code null}
 * @param lastError why the newest description failed, or {@code null} when it did not
 */
public record Membership(String groupId, String state, @Nullable String coordinator, List<GroupMember> members,
		@Nullable Instant leaderSince, @Nullable LeaderRecord leaderRecord, @Nullable Instant refreshedAt,
		@Nullable String lastError) {

	/** The state before the group was described. */
	public static final String UNKNOWN_STATE = "UNKNOWN";

	public Membership {
		members = List.copyOf(members);
	}

	/**
	 * Returns the membership of a group not described yet.
	 * @param groupId the leader group
	 * @return the membership, without members
	 */
	static Membership unknown(String groupId) {
		return new Membership(groupId, UNKNOWN_STATE, null, List.of(), null, null, null, null);
	}

	/**
	 * Returns the member holding partition 0 of the leader topic.
	 * @return the leader, or {@code null} when no member holds it
	 */
	public @Nullable GroupMember leader() {
		return this.members.stream().filter(GroupMember::leader).findFirst().orElse(null);
	}

	/**
	 * Returns this instance's election consumer among the members.
	 * @return this instance, or {@code null} when it is not a member (yet)
	 */
	public @Nullable GroupMember self() {
		return this.members.stream().filter(GroupMember::self).findFirst().orElse(null);
	}

	/**
	 * Returns the leader's epoch when the epoch row names the current leader.
	 * @return the epoch, or {@code null} when unknown
	 */
	public @Nullable Long leaderEpoch() {
		GroupMember leader = leader();
		LeaderRecord record = this.leaderRecord;
		if (leader == null || record == null || leader.instanceName() == null
				|| !leader.instanceName().equals(record.leaderName())) {
			return null;
		}
		return record.epoch();
	}

	Membership withError(@Nullable String error) {
		return new Membership(this.groupId, this.state, this.coordinator, this.members, this.leaderSince,
				this.leaderRecord, this.refreshedAt, error);
	}

}
