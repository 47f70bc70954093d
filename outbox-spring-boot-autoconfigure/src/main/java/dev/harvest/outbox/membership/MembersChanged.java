package dev.harvest.outbox.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.event.HarvestEvent;

/**
 * Members joined or left the leader group, or the leadership moved, over one coalescing
 * period. A member that came and went within the period is not reported.
 *
 * @param joined members now in the group that were not before
 * @param left members that were in the group and are not any more
 * @param leaderChanged whether another member (or none) holds the leadership now
 * @param previousLeader the leader before, or {@code null} when there was none
 * @param leader the leader now, or {@code null} when there is none
 */
public record MembersChanged(List<GroupMember> joined, List<GroupMember> left, boolean leaderChanged,
		@Nullable GroupMember previousLeader, @Nullable GroupMember leader) implements HarvestEvent {

	public MembersChanged {
		joined = List.copyOf(joined);
		left = List.copyOf(left);
	}

	/**
	 * Compares two memberships; members are told apart by member id.
	 * @param before the earlier membership
	 * @param after the later membership
	 * @return the changes, or {@code null} when there are none
	 */
	static @Nullable MembersChanged between(Membership before, Membership after) {
		List<GroupMember> joined = missingFrom(before.members(), after.members());
		List<GroupMember> left = missingFrom(after.members(), before.members());
		GroupMember previousLeader = before.leader();
		GroupMember leader = after.leader();
		boolean leaderChanged = !Objects.equals(memberId(previousLeader), memberId(leader));
		if (joined.isEmpty() && left.isEmpty() && !leaderChanged) {
			return null;
		}
		return new MembersChanged(joined, left, leaderChanged, previousLeader, leader);
	}

	private static List<GroupMember> missingFrom(List<GroupMember> reference, List<GroupMember> members) {
		Set<String> known = reference.stream().map(GroupMember::memberId).collect(Collectors.toSet());
		List<GroupMember> missing = new ArrayList<>();
		for (GroupMember member : members) {
			if (!known.contains(member.memberId())) {
				missing.add(member);
			}
		}
		return missing;
	}

	private static @Nullable String memberId(@Nullable GroupMember member) {
		return (member != null) ? member.memberId() : null;
	}

}
