package dev.harvest.outbox.backlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;

import dev.harvest.outbox.backlog.BacklogReason.Kind;
import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link BacklogSampler} (and a {@link BacklogMonitor} over it) against a
 * real PostgreSQL.
 */
class BacklogSamplerIntegrationTests {

	private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);

	private static final Duration WAIT = Duration.ofSeconds(30);

	private TestDatabase database;

	private HikariDataSource dataSource;

	private OutboxTable table;

	@BeforeEach
	void createOutbox() {
		this.database = TestInfrastructure.get().newDatabase();
		this.dataSource = this.database.createDataSource();
		this.table = new OutboxTable(this.database.schema(), "outbox");
		new OutboxSchema(this.dataSource, this.table).initialize();
	}

	@AfterEach
	void closeDataSource() {
		this.dataSource.close();
	}

	@Test
	void emptyOutboxHasNoBacklogAndNoOldestRow() {
		BacklogSample sample = sampler(100, 10).sample();
		assertThat(sample.backlog()).isZero();
		assertThat(sample.capped()).isFalse();
		assertThat(sample.oldest()).isNull();
		assertThat(sample.quarantined()).isZero();
		assertThat(sample.topics()).isEmpty();
		assertThat(sample.topicsComplete()).isTrue();
		assertThat(sample.published()).isNotNull();
		assertThat(sample.time()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(60));
	}

	@Test
	void oldestRowComesFromThePrimaryKey() throws SQLException {
		long first = insert("orders", "a");
		long second = insert("payments", "b");
		insert("orders", "c");
		execute("DELETE FROM " + this.table.sql() + " WHERE id = " + first);
		BacklogSample sample = sampler(100, 10).sample();
		assertThat(sample.backlog()).isEqualTo(2);
		OldestRow oldest = sample.oldest();
		assertThat(oldest.id()).isEqualTo(second);
		assertThat(oldest.topic()).isEqualTo("payments");
		assertThat(oldest.key()).isEqualTo("b");
		assertThat(oldest.createTime()).isEqualTo(createTime(second));
		assertThat(oldest.ageAt(sample.time())).isGreaterThanOrEqualTo(Duration.ZERO);
	}

	@Test
	void countStopsAtTheCap() throws SQLException {
		insertMany("orders", 25);
		BacklogSample sample = sampler(10, 10).sample();
		assertThat(sample.backlog()).isEqualTo(10);
		assertThat(sample.capped()).isTrue();
		assertThat(sample.topicsComplete()).isFalse();
	}

	@Test
	void topicsAreRankedByBacklogWithTheirOldestRows() throws SQLException {
		long firstOrder = insert("orders", "o-1");
		long firstPayment = insert("payments", "p-1");
		insertMany("payments", 4);
		insertMany("orders", 2);
		insert("audit", "x");
		BacklogSample sample = sampler(100, 2).sample();
		assertThat(sample.backlog()).isEqualTo(9);
		assertThat(sample.topicCount()).isEqualTo(3);
		assertThat(sample.topicsComplete()).isFalse();
		assertThat(sample.topics()).extracting(TopicSample::topic, TopicSample::backlog)
			.containsExactly(tuple("payments", 5L), tuple("orders", 3L));
		assertThat(sample.topics()).extracting((topic) -> topic.oldest().id())
			.containsExactly(firstPayment, firstOrder);
		assertThat(sample.topics().get(1).oldest().key()).isEqualTo("o-1");
		assertThat(sampler(100, 3).sample().topicsComplete()).isTrue();
	}

	@Test
	void perTopicScanAboveTheCapCoversTheOldestRows() throws SQLException {
		insertMany("early", 5);
		insertMany("late", 20);
		BacklogSample sample = sampler(8, 10).sample();
		assertThat(sample.capped()).isTrue();
		assertThat(sample.topics()).extracting(TopicSample::topic, TopicSample::backlog)
			.containsExactly(tuple("early", 5L), tuple("late", 3L));
	}

	@Test
	void perTopicSamplingCanBeTurnedOff() throws SQLException {
		insertMany("orders", 3);
		BacklogSample sample = sampler(100, 0).sample();
		assertThat(sample.topics()).isEmpty();
		assertThat(sample.topicCount()).isZero();
		assertThat(sample.topicsComplete()).isFalse();
	}

	@Test
	void publishedCounterCountsDeletedRows() throws SQLException {
		insertMany("orders", 10);
		BacklogSampler sampler = sampler(100, 10);
		long before = sampler.sample().published();
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("DELETE FROM " + this.table.sql() + " WHERE id IN (SELECT id FROM " + this.table.sql()
					+ " ORDER BY id LIMIT 4)");
			// Backends report their counts when idle, at most once a second; ask for it now.
			statement.execute("SELECT pg_stat_force_next_flush()");
		}
		await().atMost(WAIT).until(() -> sampler.sample().published() == before + 4);
		assertThat(sampler.sample().backlog()).isEqualTo(6);
	}

	@Test
	void quarantinedRowsAwaitingAnOperatorAreCountedButNotReleasedOnes() throws SQLException {
		execute("INSERT INTO " + this.table.quarantine().sql() + " (id, create_time, kafka_topic, kafka_key,"
				+ " kafka_header_keys, kafka_header_values, attempts, policy, released_at) VALUES"
				+ " (1, now(), 'orders', 'a', '{}', '{}', 3, 'HOLD_KEY', NULL),"
				+ " (2, now(), 'orders', 'b', '{}', '{}', 3, 'PARK_KEY', NULL),"
				+ " (3, now(), 'orders', 'c', '{}', '{}', 3, 'SKIP_RECORD', now())");
		assertThat(sampler(100, 10).sample().quarantined()).isEqualTo(2);
	}

	@Test
	void withoutQuarantineTableTheQuarantineCountIsUnknown() throws SQLException {
		execute("DROP TABLE " + this.table.quarantine().sql());
		insertMany("orders", 2);
		BacklogSample sample = sampler(100, 10).sample();
		assertThat(sample.quarantined()).isNull();
		assertThat(sample.backlog()).isEqualTo(2);
	}

	@Test
	void missingOutboxTableFails() {
		BacklogSampler sampler = new BacklogSampler(this.dataSource, new OutboxTable(this.database.schema(), "missing"),
				100, 10, QUERY_TIMEOUT);
		assertThatExceptionOfType(DataAccessException.class).isThrownBy(sampler::sample)
			.withMessageContaining("missing");
	}

	@Test
	void monitorOnARealOutboxStallsWhileNothingIsPublishedAndRecoversWhenDrained() throws SQLException {
		insertMany("orders", 5);
		List<BacklogStatusChanged> events = new CopyOnWriteArrayList<>();
		BacklogSettings settings = BacklogSettings.defaults().withSampleInterval(Duration.ofMillis(200)).withWindow(3);
		BacklogSampler sampler = new BacklogSampler(this.dataSource, this.table, settings);
		try (BacklogMonitor monitor = new BacklogMonitor("it", sampler, settings, LeaderView::unknown,
				(event) -> events.add((BacklogStatusChanged) event))) {
			monitor.start();
			await().atMost(WAIT).until(() -> monitor.report().status() == BacklogStatus.STALL);
			BacklogReport stalled = monitor.report();
			assertThat(stalled.totalBacklog()).isEqualTo(5);
			assertThat(stalled.reasons()).first().satisfies((reason) -> {
				assertThat(reason.kind()).isEqualTo(Kind.NO_PROGRESS);
				assertThat(reason.row()).isEqualTo(stalled.oldest());
			});
			assertThat(stalled.publishRate()).isZero();
			execute("DELETE FROM " + this.table.sql());
			await().atMost(WAIT).until(() -> monitor.report().status() == BacklogStatus.OK);
		}
		assertThat(events).extracting(BacklogStatusChanged::previous, BacklogStatusChanged::current)
			.containsExactly(tuple(BacklogStatus.OK, BacklogStatus.STALL),
					tuple(BacklogStatus.STALL, BacklogStatus.OK));
	}

	private BacklogSampler sampler(int countCap, int topK) {
		return new BacklogSampler(this.dataSource, this.table, countCap, topK, QUERY_TIMEOUT);
	}

	private long insert(String topic, String key) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("INSERT INTO " + this.table.sql()
						+ " (kafka_topic, kafka_key, kafka_value, kafka_header_keys, kafka_header_values)"
						+ " VALUES (?, ?, NULL, '{}', '{}') RETURNING id")) {
			statement.setString(1, topic);
			statement.setString(2, key);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
	}

	private void insertMany(String topic, int count) throws SQLException {
		execute("INSERT INTO " + this.table.sql() + " (kafka_topic, kafka_key, kafka_value, kafka_header_keys,"
				+ " kafka_header_values) SELECT '" + topic + "', 'key-' || i, NULL, '{}', '{}'"
				+ " FROM generate_series(1, " + count + ") AS i");
	}

	private Instant createTime(long id) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection
					.prepareStatement("SELECT create_time FROM " + this.table.sql() + " WHERE id = ?")) {
			statement.setLong(1, id);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getTimestamp(1).toInstant();
			}
		}
	}

	private void execute(String sql) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

}
