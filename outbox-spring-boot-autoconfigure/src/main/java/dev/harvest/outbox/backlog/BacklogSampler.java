package dev.harvest.outbox.backlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.util.Assert;

import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * Takes {@link BacklogSample samples} of an outbox table with queries that stay cheap however
 * large the backlog grows: counts stop at a cap, the oldest row comes from the primary key, and
 * the per-topic breakdown scans at most the cap's worth of the oldest rows. Read-only; safe to
 * run on every instance.
 */
public final class BacklogSampler {

	/** Longest a sampling query may run when the sample interval is longer. */
	static final Duration MAX_QUERY_TIMEOUT = Duration.ofSeconds(30);

	private final DataSource dataSource;

	private final OutboxTable table;

	private final int countCap;

	private final int topK;

	private final int queryTimeoutSeconds;

	private final SQLExceptionTranslator translator;

	private final String headSql;

	private final String quarantineSql;

	private final String allTopicsSql;

	private final String oldestTopicsSql;

	/**
	 * Creates a sampler with the count cap and number of topics of {@code settings}; each query
	 * may run for the sample interval, but at least a second and at most 30 seconds.
	 * @param dataSource the database of the outbox
	 * @param table the outbox table
	 * @param settings the settings
	 */
	public BacklogSampler(DataSource dataSource, OutboxTable table, BacklogSettings settings) {
		this(dataSource, table, settings.countCap(), settings.topK(), queryTimeout(settings.sampleInterval()));
	}

	/**
	 * Creates a sampler.
	 * @param dataSource the database of the outbox
	 * @param table the outbox table
	 * @param countCap the most rows a count or the per-topic scan reads
	 * @param topK the most topics reported one by one; 0 skips the per-topic query
	 * @param queryTimeout how long any query may run before it is cancelled
	 */
	public BacklogSampler(DataSource dataSource, OutboxTable table, int countCap, int topK, Duration queryTimeout) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(table, "'table' must not be null");
		Assert.isTrue(countCap > 0, "'countCap' must be positive");
		Assert.isTrue(topK >= 0, "'topK' must not be negative");
		Assert.isTrue(queryTimeout != null && !queryTimeout.isNegative() && !queryTimeout.isZero(),
				"'queryTimeout' must be positive");
		this.dataSource = dataSource;
		this.table = table;
		this.countCap = countCap;
		this.topK = topK;
		// JDBC counts the timeout in whole seconds; round up so that a short timeout stays one.
		this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE, (queryTimeout.toMillis() + 999) / 1000);
		this.translator = new SQLErrorCodeSQLExceptionTranslator(dataSource);
		String outbox = table.sql();
		// One round trip for the database time, the capped count, the oldest row (a primary key
		// index scan that stops at the first live row), the deleted-rows counter and whether a
		// quarantine table exists. The count's LIMIT stops the scan at the cap, whatever the
		// table holds. pg_stat_get_tuples_deleted is what pg_stat_user_tables shows as
		// n_tup_del; it only counts while track_counts is on, and is meaningless otherwise.
		this.headSql = "SELECT statement_timestamp() AS sampled_at,"
				+ " (SELECT count(*) FROM (SELECT 1 FROM " + outbox + " LIMIT ?) AS capped) AS backlog,"
				+ " CASE WHEN current_setting('track_counts')::boolean"
				+ " THEN pg_stat_get_tuples_deleted(to_regclass(?)) END AS published,"
				+ " to_regclass(?) IS NOT NULL AS quarantine_exists,"
				+ " oldest.id, oldest.kafka_topic, oldest.kafka_key, oldest.create_time"
				+ " FROM (VALUES (1)) AS one LEFT JOIN LATERAL (SELECT id, kafka_topic, kafka_key, create_time FROM "
				+ outbox + " ORDER BY id LIMIT 1) AS oldest ON TRUE";
		// Released rows (skipped records, keys an operator let go) stay as a record of what
		// happened; only the rows still waiting for an operator count, through the partial
		// index on unreleased rows.
		this.quarantineSql = "SELECT count(*) FROM (SELECT 1 FROM " + table.quarantine().sql()
				+ " WHERE released_at IS NULL LIMIT ?) AS capped";
		// Below the cap every row is counted, so no order is needed and a sequential scan does
		// (its LIMIT only guards against rows arriving since the count); above it the scan takes
		// the oldest rows through the primary key, so that the topics reported are those holding
		// up the head of the outbox. Each topic's oldest row is then fetched by its id, and
		// count(*) OVER () counts the topics before the LIMIT keeps the largest.
		String topics = "SELECT top.kafka_topic, top.backlog, top.topics, oldest.id, oldest.kafka_key,"
				+ " oldest.create_time FROM (SELECT kafka_topic, count(*) AS backlog, min(id) AS oldest_id,"
				+ " count(*) OVER () AS topics FROM %s GROUP BY kafka_topic ORDER BY backlog DESC, kafka_topic"
				+ " LIMIT ?) AS top JOIN " + outbox + " AS oldest ON oldest.id = top.oldest_id"
				+ " ORDER BY top.backlog DESC, top.kafka_topic";
		this.allTopicsSql = topics.formatted("(SELECT id, kafka_topic FROM " + outbox + " LIMIT ?) AS scan");
		this.oldestTopicsSql = topics
			.formatted("(SELECT id, kafka_topic FROM " + outbox + " ORDER BY id LIMIT ?) AS scan");
	}

	/**
	 * Takes one sample, on one connection, independent of any transaction of the calling
	 * thread.
	 * @return the sample
	 * @throws DataAccessException when a query fails or times out
	 */
	public BacklogSample sample() {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			try {
				return sample(connection);
			}
			finally {
				// Read-only work: end any transaction the pool left open rather than commit it.
				if (!autoCommit) {
					rollbackQuietly(connection);
				}
			}
		}
		catch (SQLException ex) {
			DataAccessException translated = this.translator.translate("sample outbox backlog", this.headSql, ex);
			throw (translated != null) ? translated : new UncategorizedSQLException("sample outbox backlog",
					this.headSql, ex);
		}
	}

	private BacklogSample sample(Connection connection) throws SQLException {
		Instant time;
		long backlog;
		Long published;
		boolean quarantineExists;
		OldestRow oldest = null;
		try (PreparedStatement statement = prepare(connection, this.headSql)) {
			statement.setInt(1, this.countCap);
			statement.setString(2, this.table.sql());
			statement.setString(3, this.table.quarantine().sql());
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				time = result.getTimestamp("sampled_at").toInstant();
				backlog = result.getLong("backlog");
				long deleted = result.getLong("published");
				published = result.wasNull() ? null : deleted;
				quarantineExists = result.getBoolean("quarantine_exists");
				long id = result.getLong("id");
				if (!result.wasNull()) {
					oldest = new OldestRow(id, result.getString("kafka_topic"), result.getString("kafka_key"),
							instant(result.getTimestamp("create_time")));
				}
			}
		}
		Long quarantined = quarantineExists ? quarantined(connection) : null;
		List<TopicSample> topics = new ArrayList<>();
		int topicCount = 0;
		boolean capped = backlog >= this.countCap;
		if (this.topK > 0 && backlog > 0) {
			topicCount = topics(connection, capped, topics);
		}
		return new BacklogSample(time, backlog, capped, oldest, published, quarantined, topics, topicCount);
	}

	private long quarantined(Connection connection) throws SQLException {
		try (PreparedStatement statement = prepare(connection, this.quarantineSql)) {
			statement.setInt(1, this.countCap);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
	}

	private int topics(Connection connection, boolean capped, List<TopicSample> topics) throws SQLException {
		try (PreparedStatement statement = prepare(connection, topicsSql(capped))) {
			statement.setInt(1, this.countCap);
			statement.setInt(2, this.topK);
			int topicCount = 0;
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					String topic = result.getString("kafka_topic");
					topicCount = result.getInt("topics");
					OldestRow oldest = new OldestRow(result.getLong("id"), topic, result.getString("kafka_key"),
							instant(result.getTimestamp("create_time")));
					topics.add(new TopicSample(topic, result.getLong("backlog"), oldest));
				}
			}
			return topicCount;
		}
	}

	private PreparedStatement prepare(Connection connection, String sql) throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql);
		statement.setQueryTimeout(this.queryTimeoutSeconds);
		return statement;
	}

	/**
	 * Returns the first query of a sample, so that its plan can be examined.
	 * @return the statement with JDBC parameters: count cap, outbox and quarantine names
	 */
	String headSql() {
		return this.headSql;
	}

	/**
	 * Returns the per-topic query, so that its plan can be examined.
	 * @param capped whether the count reached the cap
	 * @return the statement with JDBC parameters: count cap, number of topics
	 */
	String topicsSql(boolean capped) {
		return capped ? this.oldestTopicsSql : this.allTopicsSql;
	}

	private static Instant instant(@Nullable Timestamp timestamp) {
		Assert.state(timestamp != null, "create_time must not be null");
		return timestamp.toInstant();
	}

	private static void rollbackQuietly(Connection connection) {
		try {
			connection.rollback();
		}
		catch (SQLException ex) {
			// Nothing was written; a broken connection is the pool's to discard.
		}
	}

	private static Duration queryTimeout(Duration sampleInterval) {
		if (sampleInterval.compareTo(Duration.ofSeconds(1)) < 0) {
			return Duration.ofSeconds(1);
		}
		return (sampleInterval.compareTo(MAX_QUERY_TIMEOUT) > 0) ? MAX_QUERY_TIMEOUT : sampleInterval;
	}

}
