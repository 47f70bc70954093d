package dev.harvest.outbox.membership;

import org.junit.jupiter.api.Test;

import static dev.harvest.outbox.membership.Members.member;
import static dev.harvest.outbox.membership.Members.membership;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MembersChanged#between(Membership, Membership)}.
 */
class MembersChangedTests {

	@Test
	void joinedAndLeftMembersAreToldApartByMemberId() {
		MembersChanged changed = MembersChanged.between(membership(member("a", true), member("b", false)),
				membership(member("a", true), member("c", false)));
		assertThat(changed.joined()).extracting(GroupMember::instanceName).containsExactly("c");
		assertThat(changed.left()).extracting(GroupMember::instanceName).containsExactly("b");
		assertThat(changed.leaderChanged()).isFalse();
		assertThat(changed.leader().instanceName()).isEqualTo("a");
	}

	@Test
	void leadershipMovingIsALeaderChange() {
		MembersChanged changed = MembersChanged.between(membership(member("a", true), member("b", false)),
				membership(member("a", false), member("b", true)));
		assertThat(changed.joined()).isEmpty();
		assertThat(changed.left()).isEmpty();
		assertThat(changed.leaderChanged()).isTrue();
		assertThat(changed.previousLeader().instanceName()).isEqualTo("a");
		assertThat(changed.leader().instanceName()).isEqualTo("b");
	}

	@Test
	void losingTheLeaderIsALeaderChange() {
		MembersChanged changed = MembersChanged.between(membership(member("a", true)), membership());
		assertThat(changed.left()).extracting(GroupMember::instanceName).containsExactly("a");
		assertThat(changed.leaderChanged()).isTrue();
		assertThat(changed.leader()).isNull();
	}

	@Test
	void sameMembersWithTheSameLeaderAreNoChange() {
		assertThat(MembersChanged.between(membership(member("a", true), member("b", false)),
				membership(member("b", false), member("a", true))))
			.isNull();
	}

}
