package dev.harvest.outbox.actuate;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.actuate.MembersDescriptor.Member;
import dev.harvest.outbox.actuate.MembersDescriptor.Role;
import dev.harvest.outbox.membership.GroupMember;
import dev.harvest.outbox.membership.LeaderRecord;
import dev.harvest.outbox.membership.Membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@link MembersDescriptor}.
 */
class MembersDescriptorTests {

	private static final Instant ACQUIRED = Instant.parse("2026-03-01T11:00:00Z");

	private static final Instant MARKED = Instant.parse("2026-03-01T11:59:58Z");

	@Test
	void marksTheLeaderWithItsEpochSinceAndLastMark() {
		MembersDescriptor descriptor = MembersDescriptor.of(membership(new LeaderRecord(7, "pod-b", UUID.randomUUID(),
				ACQUIRED, MARKED)), null);
		assertThat(descriptor.leader()).satisfies((leader) -> {
			assertThat(leader.instanceName()).isEqualTo("pod-b");
			assertThat(leader.epoch()).isEqualTo(7);
			assertThat(leader.since()).isEqualTo(ACQUIRED);
			assertThat(leader.lastMark()).isEqualTo(MARKED);
			assertThat(leader.lastHeartbeat()).isNull();
			assertThat(leader.self()).isFalse();
		});
		assertThat(descriptor.members()).extracting(Member::instanceName, Member::role, Member::self)
			.containsExactly(tuple("pod-a", Role.FOLLOWER, true),
					tuple("pod-b", Role.LEADER, false));
		assertThat(descriptor.state()).isEqualTo("STABLE");
	}

	@Test
	void epochRowOfAnotherInstanceGivesNeitherEpochNorLastMark() {
		MembersDescriptor descriptor = MembersDescriptor.of(membership(new LeaderRecord(6, "pod-a", UUID.randomUUID(),
				ACQUIRED, MARKED)), null);
		assertThat(descriptor.leader().epoch()).isNull();
		assertThat(descriptor.leader().lastMark()).isNull();
	}

	@Test
	void ownLastHeartbeatIsShownOnlyWhenThisInstanceLeads() {
		Instant heartbeat = Instant.parse("2026-03-01T11:59:59Z");
		LeaderRecord record = new LeaderRecord(7, "pod-b", UUID.randomUUID(), ACQUIRED, MARKED);
		assertThat(MembersDescriptor.of(membership(record), heartbeat).leader().lastHeartbeat()).isNull();
		List<GroupMember> selfLeads = List.of(new GroupMember("m-2", "harvest-neli-pod-b", "/10.0.0.2", null, "pod-b",
				List.of("orders.neli-0"), true, true));
		Membership membership = new Membership("orders", "STABLE", "broker:9092", selfLeads, ACQUIRED, record, MARKED,
				null);
		assertThat(MembersDescriptor.of(membership, heartbeat).leader().lastHeartbeat()).isEqualTo(heartbeat);
	}

	@Test
	void groupWithoutLeaderHasNone() {
		Membership membership = new Membership("orders", "EMPTY", null, List.of(), null, null, MARKED, null);
		MembersDescriptor descriptor = MembersDescriptor.of(membership, null);
		assertThat(descriptor.leader()).isNull();
		assertThat(descriptor.members()).isEmpty();
	}

	private static Membership membership(LeaderRecord record) {
		List<GroupMember> members = List.of(
				new GroupMember("m-1", "harvest-neli-pod-a", "/10.0.0.1", null, "pod-a", List.of(), false, true),
				new GroupMember("m-2", "harvest-neli-pod-b", "/10.0.0.2", null, "pod-b", List.of("orders.neli-0"),
						true, false));
		return new Membership("orders", "STABLE", "broker:9092", members, ACQUIRED, record, MARKED, null);
	}

}
