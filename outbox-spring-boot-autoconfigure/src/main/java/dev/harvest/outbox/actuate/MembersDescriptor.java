package dev.harvest.outbox.actuate;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

import dev.harvest.outbox.membership.GroupMember;
import dev.harvest.outbox.membership.LeaderRecord;
import dev.harvest.outbox.membership.Membership;

/**
 * The members section of the harvest endpoint: the leader group as Kafka's group coordinator
 * last described it, with the leader and this instance marked.
 *
 * @param group the leader group
 * @param state the group's state, {@code UNKNOWN} before the first description
 * @param coordinator the coordinating broker as {@code host:port}, or {@code null}
 * @param leader the member that leads, or {@code null} when none does
 * @param members the members, ordered by client id
 * @param refreshedAt when the group was last described, or {@code null}
 * @param lastError why the newest description failed, or {@code null}
 */
public record MembersDescriptor(String group, String state, @Nullable String coordinator, @Nullable Leader leader,
		List<Member> members, @Nullable Instant refreshedAt, @Nullable String lastError)
		implements OperationResponseBody {

	public MembersDescriptor {
		members = List.copyOf(members);
	}

	/**
	 * Describes a membership, with this instance's own last heartbeat when it leads.
	 * @param membership the membership
	 * @param ownLastHeartbeat when this instance last read back one of its heartbeats, or
	 * {@code null}
	 * @return the descriptor
	 */
	public static MembersDescriptor of(Membership membership, @Nullable Instant ownLastHeartbeat) {
		GroupMember leader = membership.leader();
		return new MembersDescriptor(membership.groupId(), membership.state(), membership.coordinator(),
				(leader != null) ? Leader.of(leader, membership, ownLastHeartbeat) : null,
				membership.members().stream().map(Member::of).toList(), membership.refreshedAt(),
				membership.lastError());
	}

	/**
	 * The member that leads.
	 *
	 * @param memberId its member id
	 * @param clientId its election consumer's client id
	 * @param host the address it connects from
	 * @param instanceName its Harvest instance name, or {@code null} when not known
	 * @param epoch its leader epoch, or {@code null} when its epoch row is not visible yet
	 * @param since when it took over, or {@code null}
	 * @param lastMark when it last recorded a mark, or {@code null} when unknown
	 * @param lastHeartbeat when it last read back one of its own heartbeats: known only on the
	 * leader itself, {@code null} elsewhere (there {@code lastMark} tells whether it is alive)
	 * @param self whether it is this instance
	 */
	public record Leader(String memberId, String clientId, String host, @Nullable String instanceName,
			@Nullable Long epoch, @Nullable Instant since, @Nullable Instant lastMark, @Nullable Instant lastHeartbeat,
			boolean self) {

		static Leader of(GroupMember leader, Membership membership, @Nullable Instant ownLastHeartbeat) {
			Long epoch = membership.leaderEpoch();
			LeaderRecord record = membership.leaderRecord();
			Instant lastMark = (epoch != null && record != null) ? record.currentLeaderLastMark() : null;
			return new Leader(leader.memberId(), leader.clientId(), leader.host(), leader.instanceName(), epoch,
					membership.leaderSince(), lastMark, leader.self() ? ownLastHeartbeat : null, leader.self());
		}

	}

	/**
	 * One member of the leader group.
	 *
	 * @param memberId the member id the coordinator gave it
	 * @param clientId its election consumer's client id
	 * @param host the address it connects from
	 * @param groupInstanceId its static member id, or {@code null}
	 * @param instanceName its Harvest instance name, or {@code null} when not known
	 * @param assignment its partitions, as {@code topic-partition}
	 * @param role {@code LEADER} or {@code FOLLOWER}
	 * @param self whether it is this instance
	 */
	public record Member(String memberId, String clientId, String host, @Nullable String groupInstanceId,
			@Nullable String instanceName, List<String> assignment, Role role, boolean self) {

		public Member {
			assignment = List.copyOf(assignment);
		}

		static Member of(GroupMember member) {
			return new Member(member.memberId(), member.clientId(), member.host(), member.groupInstanceId(),
					member.instanceName(), member.assignment(), member.leader() ? Role.LEADER : Role.FOLLOWER,
					member.self());
		}

	}

	/**
	 * A member's part in the group.
	 */
	public enum Role {

		/** Holds partition 0 of the leader topic and publishes the outbox. */
		LEADER,

		/** Waits to take over. */
		FOLLOWER

	}

}
