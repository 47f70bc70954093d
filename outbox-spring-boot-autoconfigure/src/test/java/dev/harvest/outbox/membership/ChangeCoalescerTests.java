package dev.harvest.outbox.membership;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static dev.harvest.outbox.membership.Members.member;
import static dev.harvest.outbox.membership.Members.membership;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ChangeCoalescer}.
 */
class ChangeCoalescerTests {

	private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

	private final ChangeCoalescer coalescer = new ChangeCoalescer(Duration.ofSeconds(2));

	@Test
	void firstMembershipIsTheBaselineAndNoChange() {
		this.coalescer.offer(membership(member("a", true), member("b", false)), T0);
		assertThat(this.coalescer.due()).isNull();
		assertThat(this.coalescer.poll(T0.plusSeconds(10))).isNull();
	}

	@Test
	void changesWithinThePeriodAreReportedOnceAsTheirNetEffect() {
		this.coalescer.offer(membership(member("a", true), member("b", false)), T0);
		this.coalescer.offer(membership(member("a", true)), T0.plusMillis(100));
		assertThat(this.coalescer.due()).isEqualTo(T0.plusMillis(2100));
		this.coalescer.offer(membership(member("a", true), member("c", false)), T0.plusMillis(900));
		assertThat(this.coalescer.poll(T0.plusMillis(2000))).as("before the period ends").isNull();
		MembersChanged changed = this.coalescer.poll(T0.plusMillis(2100));
		assertThat(changed.left()).extracting(GroupMember::instanceName).containsExactly("b");
		assertThat(changed.joined()).extracting(GroupMember::instanceName).containsExactly("c");
		assertThat(this.coalescer.due()).isNull();
		assertThat(this.coalescer.poll(T0.plusSeconds(10))).as("reported once").isNull();
	}

	@Test
	void memberThatCameAndWentWithinThePeriodIsNotReported() {
		this.coalescer.offer(membership(member("a", true)), T0);
		this.coalescer.offer(membership(member("a", true), member("b", false)), T0.plusMillis(100));
		this.coalescer.offer(membership(member("a", true)), T0.plusMillis(200));
		assertThat(this.coalescer.poll(T0.plusSeconds(3))).isNull();
		assertThat(this.coalescer.due()).isNull();
	}

	@Test
	void changesAfterAReportStartANewPeriod() {
		this.coalescer.offer(membership(member("a", true), member("b", false)), T0);
		this.coalescer.offer(membership(member("a", true)), T0.plusSeconds(1));
		assertThat(this.coalescer.poll(T0.plusSeconds(3))).isNotNull();
		this.coalescer.offer(membership(member("b", true)), T0.plusSeconds(4));
		MembersChanged changed = this.coalescer.poll(T0.plusSeconds(6));
		assertThat(changed.leaderChanged()).isTrue();
		assertThat(changed.previousLeader().instanceName()).isEqualTo("a");
		assertThat(changed.leader().instanceName()).isEqualTo("b");
	}

}
