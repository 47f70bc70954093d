package dev.harvest.outbox.membership;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberAssignment;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.backlog.LeaderView;
import dev.harvest.outbox.harvest.event.HarvestEvent;

import static org.assertj.core.api.Assertions.assertThat;
import dev.harvest.outbox.test.MutableClock;

/**
 * Tests for {@link MembershipView} with a scripted group description and a clock that moves
 * only when told to.
 */
class MembershipViewTests {

	private static final String TOPIC = "orders.neli";

	private static final MembershipSettings SETTINGS = MembershipSettings.of("orders", TOPIC, "pod-c")
		.withTimings(Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(2));

	private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));

	private final AtomicReference<Object> group = new AtomicReference<>();

	private final AtomicReference<@Nullable LeaderRecord> leaderRecord = new AtomicReference<>();

	private final List<HarvestEvent> events = new CopyOnWriteArrayList<>();

	private final MembershipView view = new MembershipView(SETTINGS, this::describe, (groupId) -> {
		assertThat(groupId).isEqualTo("orders");
		return this.leaderRecord.get();
	}, this.events::add, this.clock);

	@Test
	void beforeTheFirstDescriptionNothingIsKnown() {
		Membership membership = this.view.members();
		assertThat(membership.state()).isEqualTo(Membership.UNKNOWN_STATE);
		assertThat(membership.members()).isEmpty();
		assertThat(membership.refreshedAt()).isNull();
		assertThat(this.view.leaderView()).isEqualTo(LeaderView.unknown());
	}

	@Test
	void membersAreDescribedWithTheLeaderAndThisInstanceMarked() {
		this.group.set(group(GroupState.STABLE, member("pod-b", true), member("pod-a", false), member("pod-c", false)));
		this.view.refreshOnce();
		Membership membership = this.view.members();
		assertThat(membership.state()).isEqualTo("STABLE");
		assertThat(membership.coordinator()).isEqualTo("broker-1:9092");
		assertThat(membership.refreshedAt()).isEqualTo(this.clock.instant());
		assertThat(membership.members()).extracting(GroupMember::instanceName).containsExactly("pod-a", "pod-b",
				"pod-c");
		assertThat(membership.leader().instanceName()).isEqualTo("pod-b");
		assertThat(membership.leader().assignment()).containsExactly(TOPIC + "-0");
		assertThat(membership.leader().host()).isEqualTo("/10.0.0.2");
		assertThat(membership.self().instanceName()).isEqualTo("pod-c");
		assertThat(membership.members()).filteredOn(GroupMember::self).hasSize(1);
		assertThat(membership.leaderSince()).isEqualTo(this.clock.instant());
		assertThat(this.events).isEmpty();
	}

	@Test
	void clientIdsOfOtherApplicationsHaveNoInstanceName() {
		this.group.set(group(GroupState.STABLE, new MemberDescription("m-x", Optional.empty(), Optional.empty(),
				"console-consumer", "/10.0.0.9", new MemberAssignment(Set.of()), Optional.empty(), Optional.empty(),
				Optional.empty())));
		this.view.refreshOnce();
		assertThat(this.view.members().members()).singleElement().satisfies((member) -> {
			assertThat(member.instanceName()).isNull();
			assertThat(member.self()).isFalse();
			assertThat(member.leader()).isFalse();
		});
	}

	@Test
	void leaderSinceIsTheEpochAcquisitionWhenTheEpochRowNamesTheLeader() {
		Instant acquiredAt = this.clock.instant().minus(Duration.ofMinutes(30));
		this.leaderRecord.set(new LeaderRecord(7, "pod-b", UUID.randomUUID(), acquiredAt, null));
		this.group.set(group(GroupState.STABLE, member("pod-b", true), member("pod-c", false)));
		this.view.refreshOnce();
		assertThat(this.view.members().leaderSince()).isEqualTo(acquiredAt);
		assertThat(this.view.members().leaderEpoch()).isEqualTo(7);
		assertThat(this.view.leaderView()).isEqualTo(LeaderView.leader(acquiredAt, null));
	}

	@Test
	void epochRowOfAnotherInstanceIsNotTheLeaders() {
		this.leaderRecord.set(new LeaderRecord(7, "pod-a", UUID.randomUUID(), Instant.EPOCH, null));
		this.group.set(group(GroupState.STABLE, member("pod-b", true)));
		this.view.refreshOnce();
		assertThat(this.view.members().leaderEpoch()).isNull();
		assertThat(this.view.members().leaderSince()).isEqualTo(this.clock.instant());
		assertThat(this.view.members().leaderRecord().leaderName()).isEqualTo("pod-a");
	}

	@Test
	void groupWithoutLeaderHasHadNoneSinceItWasFirstSeenSo() {
		this.group.set(group(GroupState.STABLE, member("pod-c", false)));
		Instant firstSeen = this.clock.instant();
		this.view.refreshOnce();
		this.clock.advance(Duration.ofSeconds(15));
		this.view.refreshOnce();
		assertThat(this.view.leaderView()).isEqualTo(LeaderView.noLeader(firstSeen));
	}

	@Test
	void groupThatDoesNotExistHasNoMembersAndNoLeader() {
		this.view.refreshOnce();
		assertThat(this.view.members().state()).isEqualTo("DEAD");
		assertThat(this.view.members().members()).isEmpty();
		assertThat(this.view.leaderView().state()).isEqualTo(LeaderView.State.NO_LEADER);
	}

	@Test
	void rebalancingGroupKeepsThePreviousLeaderView() {
		this.group.set(group(GroupState.STABLE, member("pod-b", true), member("pod-c", false)));
		this.view.refreshOnce();
		LeaderView before = this.view.leaderView();
		this.group.set(group(GroupState.PREPARING_REBALANCE, member("pod-b", false), member("pod-c", false)));
		this.clock.advance(Duration.ofSeconds(15));
		this.view.refreshOnce();
		assertThat(this.view.members().state()).isEqualTo("PREPARING_REBALANCE");
		assertThat(this.view.members().leader()).isNull();
		assertThat(this.view.leaderView()).isEqualTo(before);
		this.clock.advance(Duration.ofSeconds(5));
		this.view.refreshOnce();
		assertThat(this.events).as("a rebalance in progress is not a change").isEmpty();
	}

	@Test
	void failedDescriptionKeepsTheMembersWithTheError() {
		this.group.set(group(GroupState.STABLE, member("pod-b", true), member("pod-c", false)));
		this.view.refreshOnce();
		this.group.set(new TimeoutException("Timed out waiting for a node assignment"));
		this.clock.advance(Duration.ofSeconds(15));
		this.view.refreshOnce();
		Membership membership = this.view.members();
		assertThat(membership.members()).hasSize(2);
		assertThat(membership.lastError()).isEqualTo("TimeoutException: Timed out waiting for a node assignment");
		assertThat(this.view.leaderView().state()).isEqualTo(LeaderView.State.LEADER);
	}

	@Test
	void leaderViewIsUnknownWhenNoDescriptionSucceededForThreeIntervals() {
		this.group.set(group(GroupState.STABLE, member("pod-b", true)));
		this.view.refreshOnce();
		this.group.set(new TimeoutException("down"));
		this.clock.advance(Duration.ofSeconds(50));
		this.view.refreshOnce();
		assertThat(this.view.leaderView().state()).isEqualTo(LeaderView.State.LEADER);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.view.leaderView()).isEqualTo(LeaderView.unknown());
	}

	@Test
	void membersLeavingAreReportedOnceAfterTheCoalescingPeriod() {
		this.group.set(group(GroupState.STABLE, member("pod-a", false), member("pod-b", true), member("pod-c", false)));
		this.view.refreshOnce();
		this.group.set(group(GroupState.STABLE, member("pod-b", true), member("pod-c", false)));
		this.clock.advance(Duration.ofSeconds(1));
		this.view.refreshOnce();
		assertThat(this.events).isEmpty();
		this.clock.advance(Duration.ofSeconds(2));
		this.view.refreshOnce();
		assertThat(this.events).singleElement().isInstanceOfSatisfying(MembersChanged.class, (changed) -> {
			assertThat(changed.left()).extracting(GroupMember::instanceName).containsExactly("pod-a");
			assertThat(changed.joined()).isEmpty();
			assertThat(changed.leaderChanged()).isFalse();
		});
		this.clock.advance(Duration.ofSeconds(15));
		this.view.refreshOnce();
		assertThat(this.events).hasSize(1);
	}

	@Test
	void listenerFailureDoesNotStopTheView() {
		MembershipView throwing = new MembershipView(SETTINGS, this::describe, null, (event) -> {
			throw new IllegalStateException("listener bug");
		}, this.clock);
		this.group.set(group(GroupState.STABLE, member("pod-b", true)));
		throwing.refreshOnce();
		this.group.set(group(GroupState.STABLE, member("pod-c", true)));
		this.clock.advance(Duration.ofSeconds(3));
		throwing.refreshOnce();
		this.clock.advance(Duration.ofSeconds(3));
		throwing.refreshOnce();
		assertThat(throwing.members().leader().instanceName()).isEqualTo("pod-c");
	}

	private @Nullable ConsumerGroupDescription describe(Duration timeout) throws Exception {
		assertThat(timeout).isEqualTo(SETTINGS.timeout());
		Object current = this.group.get();
		if (current instanceof Exception ex) {
			throw ex;
		}
		return (ConsumerGroupDescription) current;
	}

	private static ConsumerGroupDescription group(GroupState state, MemberDescription... members) {
		return new ConsumerGroupDescription("orders", false, List.of(members), "cooperative-sticky", GroupType.CLASSIC,
				state, new Node(1, "broker-1", 9092), Set.of(), Optional.empty(), Optional.empty());
	}

	private static MemberDescription member(String name, boolean leader) {
		List<TopicPartition> partitions = new ArrayList<>();
		if (leader) {
			partitions.add(new TopicPartition(TOPIC, 0));
		}
		String host = "/10.0.0." + (name.charAt(name.length() - 1) - 'a' + 1);
		return new MemberDescription("member-" + name, Optional.empty(), Optional.empty(), "harvest-neli-" + name,
				host, new MemberAssignment(Set.copyOf(partitions)), Optional.empty(), Optional.empty(),
				Optional.empty());
	}

}
