package dev.harvest.outbox.autoconfigure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.harvest.outbox.actuate.BacklogDescriptor;
import dev.harvest.outbox.actuate.BacklogSummary;
import dev.harvest.outbox.backlog.BacklogReason;
import dev.harvest.outbox.backlog.BacklogReason.Kind;
import dev.harvest.outbox.backlog.BacklogReport;
import dev.harvest.outbox.backlog.BacklogReport.TopicBacklog;
import dev.harvest.outbox.backlog.BacklogStatus;
import dev.harvest.outbox.backlog.BacklogStatusChanged;
import dev.harvest.outbox.harvest.HarvestState;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests of the auto-configured backlog monitor on a real PostgreSQL and Kafka:
 * each status the outbox can be in, as an instance's report, health, endpoint, meters and
 * events show it. Samples are taken every 200 ms, so that a window spans a few seconds.
 */
class BacklogMonitoringIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	/** The topic name Kafka refuses, written with plain SQL since the stasher would refuse it too. */
	private static final String INVALID_TOPIC = "no such topic!";

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final TestDatabase database = this.infrastructure.newDatabase();

	private final HikariDataSource dataSource = this.database.createDataSource(3);

	private final String group = TestInfrastructure.uniqueName("backlog-it");

	private final List<HarvestInstance> instances = new ArrayList<>();

	private final List<Writer> writers = new ArrayList<>();

	@AfterEach
	void stopEverything() throws InterruptedException {
		for (Writer writer : this.writers) {
			writer.close();
		}
		Collections.reverse(this.instances);
		this.instances.forEach(HarvestInstance::close);
		this.dataSource.close();
	}

	@Test
	void withNobodyHarvestingPendingRowsAreStopUntilAnotherInstanceDrainsThem() throws SQLException {
		String topic = this.infrastructure.newTopic("backlog-stop", 1);
		HarvestInstance first = start("pod-a");
		await().atMost(WAIT).until(first.harvester()::isLeader);
		first.harvester().stop();
		insert(topic, 20);

		await().atMost(WAIT).until(() -> first.report().status() == BacklogStatus.STOP);
		assertThat(first.report().reasons()).extracting(BacklogReason::kind).contains(Kind.NO_LEADER);
		assertThat(first.report().totalBacklog()).isEqualTo(20);
		Health stopped = first.health();
		assertThat(stopped.getStatus()).isEqualTo(Status.DOWN);
		assertThat(stopped.getDetails()).containsEntry("state", HarvestState.STOPPED);
		assertThat(((BacklogSummary) stopped.getDetails().get("backlog")).status()).isEqualTo(BacklogStatus.STOP);
		assertThat(first.endpoint().harvest().backlog().reasons()).extracting(BacklogSummary.Reason::kind)
			.contains(Kind.NO_LEADER);
		await().atMost(WAIT)
			.until(() -> first.events(BacklogStatusChanged.class)
				.stream()
				.anyMatch((changed) -> changed.current() == BacklogStatus.STOP));

		HarvestInstance second = start("pod-b");
		await().atMost(WAIT).until(() -> count() == 0 && first.report().status() == BacklogStatus.OK);
		// Until the window has moved past the time nobody published, the outbox may look stalled
		// on the way back.
		await().atMost(WAIT).untilAsserted(() -> assertThat(first.events(BacklogStatusChanged.class))
			.extracting(BacklogStatusChanged::current)
			.containsSubsequence(BacklogStatus.STOP, BacklogStatus.OK)
			.last()
			.isEqualTo(BacklogStatus.OK));
		assertThat(first.events(BacklogStatusChanged.class)).last()
			.satisfies((changed) -> assertThat(changed.reasons()).isEmpty());
		assertThat(first.health().getStatus()).as("the outbox drains, whoever harvests it").isEqualTo(Status.UP);

		// A leader that keeps its leadership but marks nothing is as good as none: the other
		// instance sees it from the mark the leader records in harvest_leader.
		second.harvester().pause();
		insert(topic, 5);
		await().atMost(WAIT).until(() -> first.report().status() == BacklogStatus.STOP);
		assertThat(first.report().reasons()).extracting(BacklogReason::kind).contains(Kind.LEADER_NOT_MARKING);
		// The leader itself knows its last mark exactly, and may see it a sample later.
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(second.report().reasons()).extracting(BacklogReason::kind)
				.contains(Kind.LEADER_NOT_MARKING));
		second.harvester().resume();
		await().atMost(WAIT).until(() -> count() == 0 && first.report().status() == BacklogStatus.OK);
	}

	@Test
	void writerFasterThanTheHarvesterIsFallingBehind() {
		String topic = this.infrastructure.newTopic("backlog-behind", 1);
		HarvestInstance instance = start("pod-a", "harvest.limits.send-concurrency=1",
				"harvest.limits.mark-query-records=1", "harvest.limits.max-in-flight-records=1",
				"harvest.backlog.sample-interval=250ms", "harvest.backlog.window=12");
		await().atMost(WAIT).until(instance.harvester()::isLeader);
		write(topic, 50, Duration.ofMillis(100));

		// A topic's window starts when its first rows do, so the topic may fall behind first.
		await().atMost(WAIT)
			.until(() -> instance.report()
				.reasons()
				.stream()
				.anyMatch((reason) -> reason.topic() == null && reason.kind() == Kind.FALLING_BEHIND));
		BacklogReport report = instance.report();
		assertThat(report.status()).isEqualTo(BacklogStatus.WARN);
		assertThat(report.reasons()).extracting(BacklogReason::kind).containsOnly(Kind.FALLING_BEHIND);
		assertThat(report.publishRate()).isPositive();
		assertThat(report.insertRate()).isGreaterThan(report.publishRate());
		Health health = instance.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(((BacklogSummary) health.getDetails().get("backlog")).status()).isEqualTo(BacklogStatus.WARN);

		MeterRegistry meters = instance.meters();
		await().atMost(WAIT).untilAsserted(() -> {
			assertThat(meters.get("harvest.backlog.status").gauge().value()).isEqualTo(2);
			assertThat(meters.get("harvest.backlog.records").gauge().value()).isPositive();
			assertThat(meters.get("harvest.backlog.oldest.age").timeGauge().value()).isPositive();
			assertThat(meters.get("harvest.backlog.topic.records").tag("topic", topic).gauge().value())
				.isPositive();
			assertThat(meters.get("harvest.backlog.topic.status").tag("topic", topic).gauge().value()).isEqualTo(2);
			assertThat(meters.get("harvest.quarantine.rows").gauge().value()).isZero();
			assertThat(meters.get("harvest.members").gauge().value()).isOne();
		});
	}

	@Test
	void heldPoisonKeyIsStalledHeadOfLineNamingTheRowThatWaits() throws SQLException {
		String topic = this.infrastructure.newTopic("backlog-held", 1);
		HarvestInstance instance = start("pod-a", "harvest.poison.policy=hold-key", "harvest.poison.max-attempts=2",
				"harvest.retry.initial-backoff=50ms", "harvest.retry.max-backoff=100ms",
				"harvest.backlog.sample-interval=250ms", "harvest.backlog.window=12");
		await().atMost(WAIT).until(instance.harvester()::isLeader);
		insert(INVALID_TOPIC, "k");
		long waiting = insert(INVALID_TOPIC, "k");
		// Every other key keeps flowing.
		write(topic, 5, Duration.ofMillis(250));

		await().atMost(WAIT)
			.until(() -> instance.report()
				.reasons()
				.stream()
				.anyMatch((reason) -> reason.kind() == Kind.HEAD_OF_LINE_BLOCKED));
		BacklogReport report = instance.report();
		assertThat(report.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(report.reasons()).anySatisfy((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.HEAD_OF_LINE_BLOCKED);
			assertThat(reason.row().id()).isEqualTo(waiting);
			assertThat(reason.row().topic()).isEqualTo(INVALID_TOPIC);
			assertThat(reason.row().key()).isEqualTo("k");
			assertThat(reason.description()).contains("row " + waiting, "key 'k'");
		});
		assertThat(report.reasons()).extracting(BacklogReason::kind).contains(Kind.QUARANTINE);
		assertThat(report.quarantined()).isOne();
		assertThat(instance.health().getStatus()).isEqualTo(Status.DOWN);

		BacklogDescriptor notOk = descriptor(instance.endpoint().section("backlog", null, null, null));
		assertThat(notOk.allTopics()).isFalse();
		assertThat(notOk.topics()).allSatisfy((shown) -> assertThat(shown.status()).isNotEqualTo(BacklogStatus.OK))
			.extracting(TopicBacklog::topic)
			.contains(INVALID_TOPIC);
		BacklogDescriptor all = descriptor(instance.endpoint().section("backlog", null, null, true));
		assertThat(all.allTopics()).isTrue();
		assertThat(all.topics()).extracting(TopicBacklog::topic).contains(INVALID_TOPIC);
		assertThat(all.topics()).hasSizeGreaterThanOrEqualTo(notOk.topics().size());
	}

	@Test
	void rowCommittedLateWithALowerIdIsLate() throws SQLException {
		String topic = this.infrastructure.newTopic("backlog-late", 1);
		// A window of six seconds, so that the paused leader is not yet judged as not marking.
		HarvestInstance instance = start("pod-a", "harvest.backlog.window=30");
		await().atMost(WAIT)
			.until(() -> instance.harvester().isLeader() && instance.report().complete() >= 0.5
					&& instance.report().status() == BacklogStatus.OK);
		// Paused, so that the late row stays in the outbox long enough to be seen.
		instance.harvester().pause();
		long late;
		long committed;
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			late = insert(connection, topic, "late");
			committed = insert(topic, "early");
			await().atMost(WAIT).until(() -> oldestId(instance.report()) == committed);
			connection.commit();
		}
		await().atMost(WAIT).until(() -> instance.report().status() == BacklogStatus.WARN);
		assertThat(late).isLessThan(committed);
		assertThat(instance.report().reasons()).anySatisfy((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.LATE_ROWS);
			assertThat(reason.row().id()).isEqualTo(late);
		});
		await().atMost(WAIT)
			.until(() -> instance.events(BacklogStatusChanged.class)
				.stream()
				.anyMatch((changed) -> changed.current() == BacklogStatus.WARN && changed.reasons()
					.stream()
					.anyMatch((reason) -> reason.kind() == Kind.LATE_ROWS)));
		instance.harvester().resume();
		await().atMost(WAIT).until(() -> count() == 0 && instance.report().status() == BacklogStatus.OK);
	}

	private HarvestInstance start(String name, String... properties) {
		HarvestInstance instance = HarvestInstance.start(this.database, this.group, name, properties);
		this.instances.add(instance);
		return instance;
	}

	private static BacklogDescriptor descriptor(WebEndpointResponse<Object> response) {
		assertThat(response.getStatus()).isEqualTo(200);
		return (BacklogDescriptor) response.getBody();
	}

	private static long oldestId(BacklogReport report) {
		return (report.oldest() != null) ? report.oldest().id() : -1;
	}

	private void insert(String topic, int rows) {
		TestDatabase.execute(this.dataSource, "INSERT INTO outbox (kafka_topic, kafka_key, kafka_value,"
				+ " kafka_header_keys, kafka_header_values) SELECT '" + topic + "', 'key-' || i, NULL, '{}', '{}'"
				+ " FROM generate_series(1, " + rows + ") AS i");
	}

	private long insert(String topic, String key) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			return insert(connection, topic, key);
		}
	}

	private static long insert(Connection connection, String topic, String key) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("INSERT INTO outbox (kafka_topic, kafka_key,"
				+ " kafka_value, kafka_header_keys, kafka_header_values) VALUES (?, ?, NULL, '{}', '{}') RETURNING id")) {
			statement.setString(1, topic);
			statement.setString(2, key);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
	}

	private long count() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM outbox");
				ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getLong(1);
		}
	}

	private void write(String topic, int rows, Duration every) {
		Writer writer = new Writer(topic, rows, every);
		this.writers.add(writer);
		writer.start();
	}

	/**
	 * Writes a batch of rows to a topic at a steady pace until closed.
	 */
	private final class Writer extends Thread {

		private final String topic;

		private final int rows;

		private final Duration every;

		private final AtomicBoolean running = new AtomicBoolean(true);

		Writer(String topic, int rows, Duration every) {
			super("backlog-it-writer");
			this.topic = topic;
			this.rows = rows;
			this.every = every;
			setDaemon(true);
		}

		@Override
		public void run() {
			while (this.running.get()) {
				insert(this.topic, this.rows);
				try {
					Thread.sleep(this.every.toMillis());
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}

		void close() throws InterruptedException {
			this.running.set(false);
			join(5000);
		}

	}

}
