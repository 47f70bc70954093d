package dev.harvest.outbox.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.harvest.outbox.actuate.MembersDescriptor;
import dev.harvest.outbox.actuate.MembersDescriptor.Member;
import dev.harvest.outbox.actuate.MembersDescriptor.Role;
import dev.harvest.outbox.membership.GroupMember;
import dev.harvest.outbox.membership.MembersChanged;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests of the auto-configured membership view with several instances on a real
 * PostgreSQL and Kafka: every instance shows the same members and leader, and follows the
 * leadership when the leader stops.
 */
class LeaderGroupMembersIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private final TestDatabase database = TestInfrastructure.get().newDatabase();

	private final String group = TestInfrastructure.uniqueName("members-it");

	private final List<HarvestInstance> instances = new ArrayList<>();

	@AfterEach
	void stopEverything() {
		List<HarvestInstance> running = new ArrayList<>(this.instances);
		Collections.reverse(running);
		running.forEach(HarvestInstance::close);
	}

	@Test
	void everyInstanceListsTheSameMembersAndLeaderAndFollowsTheLeadershipWhenTheLeaderStops() {
		for (String name : List.of("pod-a", "pod-b", "pod-c")) {
			this.instances.add(HarvestInstance.start(this.database, this.group, name));
		}
		await().atMost(WAIT).until(() -> this.instances.stream().allMatch((instance) -> settled(instance, 3)));
		Set<String> leaders = new LinkedHashSet<>();
		for (HarvestInstance instance : this.instances) {
			MembersDescriptor members = members(instance);
			assertThat(members.group()).isEqualTo(this.group);
			assertThat(members.members()).extracting(Member::instanceName)
				.containsExactly("pod-a", "pod-b", "pod-c");
			assertThat(members.members()).filteredOn(Member::self)
				.singleElement()
				.satisfies((self) -> assertThat(self.instanceName()).isEqualTo(instance.name()));
			assertThat(members.members()).filteredOn((member) -> member.role() == Role.LEADER).hasSize(1);
			leaders.add(members.leader().instanceName());
		}
		assertThat(leaders).hasSize(1);
		String leaderName = leaders.iterator().next();
		HarvestInstance leader = instance(leaderName);
		assertThat(leader.harvester().isLeader()).isTrue();
		assertThat(members(leader).leader().self()).isTrue();
		assertThat(members(leader).leader().epoch()).isEqualTo(leader.harvester().epoch());

		leader.close();
		this.instances.remove(leader);

		await().atMost(WAIT).until(() -> this.instances.stream().allMatch((instance) -> settled(instance, 2)));
		String newLeader = members(this.instances.get(0)).leader().instanceName();
		assertThat(newLeader).isNotEqualTo(leaderName).isIn("pod-a", "pod-b", "pod-c");
		for (HarvestInstance instance : this.instances) {
			assertThat(members(instance).leader().instanceName()).isEqualTo(newLeader);
			await().atMost(WAIT)
				.until(() -> instance.events(MembersChanged.class)
					.stream()
					.anyMatch((changed) -> changed.leaderChanged() && named(changed.previousLeader(), leaderName)));
			await().atMost(WAIT)
				.until(() -> instance.events(MembersChanged.class)
					.stream()
					.anyMatch((changed) -> changed.leaderChanged() && named(changed.leader(), newLeader)));
			await().atMost(WAIT)
				.until(() -> instance.events(MembersChanged.class)
					.stream()
					.anyMatch((changed) -> changed.left().stream().anyMatch((left) -> named(left, leaderName))));
		}
		assertThat(instance(newLeader).harvester().isLeader()).isTrue();
	}

	private HarvestInstance instance(String name) {
		return this.instances.stream().filter((instance) -> instance.name().equals(name)).findFirst().orElseThrow();
	}

	/**
	 * Whether an instance sees a settled group of the given size with a leader whose epoch it
	 * knows.
	 */
	private static boolean settled(HarvestInstance instance, int size) {
		MembersDescriptor members = members(instance);
		return "STABLE".equals(members.state()) && members.members().size() == size && members.leader() != null
				&& members.leader().epoch() != null;
	}

	private static MembersDescriptor members(HarvestInstance instance) {
		WebEndpointResponse<Object> response = instance.endpoint().section("members", null, null, null);
		assertThat(response.getStatus()).isEqualTo(200);
		return (MembersDescriptor) response.getBody();
	}

	private static boolean named(GroupMember member, String name) {
		return member != null && name.equals(member.instanceName());
	}

}
