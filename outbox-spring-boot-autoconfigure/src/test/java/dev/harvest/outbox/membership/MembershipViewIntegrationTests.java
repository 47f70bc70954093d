package dev.harvest.outbox.membership;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.backlog.LeaderView;
import dev.harvest.outbox.jdbc.JdbcOutboxStore;
import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.neli.KafkaLeaderElection;
import dev.harvest.outbox.neli.LeadershipListener;
import dev.harvest.outbox.neli.NeliConfig;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link MembershipView} on a real broker, with real leader elections as
 * the members and the leader's epoch in a real database.
 */
class MembershipViewIntegrationTests {

	private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(1);

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final String group = TestInfrastructure.uniqueName("members-group");

	private final String topic = TestInfrastructure.uniqueName("members-topic");

	private final Map<String, KafkaLeaderElection> elections = new LinkedHashMap<>();

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final List<MembersChanged> events = new CopyOnWriteArrayList<>();

	@AfterEach
	void closeEverything() throws Exception {
		for (KafkaLeaderElection election : this.elections.values()) {
			election.close(CLOSE_TIMEOUT);
		}
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
	}

	@Test
	void showsTheMembersWithLeaderAndSelfAndReportsMembersLeaving() throws SQLException {
		TestDatabase database = this.infrastructure.newDatabase();
		HikariDataSource dataSource = database.createDataSource();
		this.resources.add(dataSource);
		OutboxTable table = new OutboxTable(database.schema(), "outbox");
		new OutboxSchema(dataSource, table).initialize();

		for (String name : List.of("pod-a", "pod-b", "pod-c")) {
			KafkaLeaderElection election = new KafkaLeaderElection(config(name), connection(), connection());
			this.elections.put(name, election);
			election.start(new QuietListener());
		}
		await().atMost(WAIT).until(() -> leaders().size() == 1);
		String leader = leaders().get(0);
		// What a harvester does when it becomes leader: take the next epoch.
		long epoch = new JdbcOutboxStore(dataSource, table).acquireEpoch(this.group, leader, UUID.randomUUID());

		MembershipView view = new MembershipView(
				MembershipSettings.of(this.group, this.topic, "pod-b")
					.withTimings(Duration.ofMillis(300), Duration.ofSeconds(5), Duration.ofSeconds(1)),
				connection(), new LeaderRecordReader(dataSource, table, Duration.ofSeconds(5)), (event) -> {
					if (event instanceof MembersChanged changed) {
						this.events.add(changed);
					}
				});
		this.resources.add(view);
		view.start();

		await().atMost(WAIT).until(() -> {
			Membership membership = view.members();
			return "STABLE".equals(membership.state()) && membership.members().size() == 3
					&& membership.leaderEpoch() != null;
		});
		Membership membership = view.members();
		assertThat(membership.members()).extracting(GroupMember::instanceName)
			.containsExactly("pod-a", "pod-b", "pod-c");
		assertThat(membership.members()).extracting(GroupMember::clientId)
			.containsExactly("harvest-neli-pod-a", "harvest-neli-pod-b", "harvest-neli-pod-c");
		assertThat(membership.members()).filteredOn(GroupMember::leader).singleElement().satisfies((member) -> {
			assertThat(member.instanceName()).isEqualTo(leader);
			assertThat(member.assignment()).containsExactly(this.topic + "-0");
		});
		assertThat(membership.self().instanceName()).isEqualTo("pod-b");
		assertThat(membership.leaderEpoch()).isEqualTo(epoch);
		assertThat(membership.leaderSince()).isEqualTo(acquiredAt(dataSource, table));
		assertThat(membership.coordinator()).isNotBlank();
		assertThat(view.leaderView().state()).isEqualTo(LeaderView.State.LEADER);
		assertThat(view.leaderView().since()).isEqualTo(membership.leaderSince());

		String follower = this.elections.keySet()
			.stream()
			.filter((name) -> !name.equals(leader) && !name.equals("pod-b"))
			.findFirst()
			.orElseThrow();
		this.elections.remove(follower).close(CLOSE_TIMEOUT);
		await().atMost(WAIT).until(() -> this.events.stream().anyMatch((changed) -> left(changed, follower)));
		MembersChanged followerLeft = this.events.stream()
			.filter((changed) -> left(changed, follower))
			.findFirst()
			.orElseThrow();
		assertThat(followerLeft.left()).extracting(GroupMember::instanceName).containsExactly(follower);
		assertThat(followerLeft.joined()).isEmpty();
		assertThat(followerLeft.leaderChanged()).isFalse();
		assertThat(followerLeft.leader().instanceName()).isEqualTo(leader);

		this.elections.remove(leader).close(CLOSE_TIMEOUT);
		await().atMost(WAIT)
			.until(() -> this.events.stream()
				.anyMatch((changed) -> changed.leaderChanged() && changed.previousLeader() != null
						&& leader.equals(changed.previousLeader().instanceName())));
		await().atMost(WAIT).until(() -> {
			GroupMember current = view.members().leader();
			return current != null && this.elections.containsKey(current.instanceName());
		});
		assertThat(view.members().members()).extracting(GroupMember::instanceName)
			.containsExactlyElementsOf(this.elections.keySet());
	}

	private static boolean left(MembersChanged changed, String name) {
		return changed.left().stream().anyMatch((member) -> name.equals(member.instanceName()));
	}

	private List<String> leaders() {
		return this.elections.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().isLeader())
			.map(Map.Entry::getKey)
			.toList();
	}

	private NeliConfig config(String name) {
		return new NeliConfig(this.group, this.topic, name, Duration.ofMillis(1), Duration.ofMillis(100),
				Duration.ofMillis(500), HEARTBEAT_TIMEOUT);
	}

	private Map<String, Object> connection() {
		return Map.of("bootstrap.servers", this.infrastructure.bootstrapServers());
	}

	private Instant acquiredAt(HikariDataSource dataSource, OutboxTable table) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("SELECT acquired_at FROM "
						+ table.inSameSchema("harvest_leader").sql() + " WHERE group_id = ?")) {
			statement.setString(1, this.group);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getTimestamp(1).toInstant();
			}
		}
	}

	/**
	 * A leadership listener with nothing to do: the test only needs the members.
	 */
	private static final class QuietListener implements LeadershipListener {

		@Override
		public void onLeaderAcquired() {
		}

		@Override
		public void onLeaderRevoked() {
		}

		@Override
		public void onLeaderFenced(String reason) {
		}

	}

}
