package dev.harvest.outbox.backlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.zaxxer.hikari.HikariDataSource;

import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * Measures what one backlog sample costs on a large outbox: the whole sample and each of its
 * queries with EXPLAIN ANALYZE, with the count capped and uncapped, and after the head of the
 * outbox was purged while another session held a snapshot. Not part of the test suite: run its
 * main method with the test class path; the optional argument is the backlog size.
 */
final class BacklogSamplerBenchmark {

	private static final int TOPICS = 40;

	private static final int ROUNDS = 5;

	private BacklogSamplerBenchmark() {
	}

	public static void main(String[] args) throws SQLException {
		int rows = (args.length > 0) ? Integer.parseInt(args[0]) : 5_000_000;
		TestInfrastructure infrastructure = TestInfrastructure.get();
		TestDatabase database = infrastructure.newDatabase();
		try (HikariDataSource dataSource = database.createDataSource(3)) {
			OutboxTable table = new OutboxTable(database.schema(), "outbox");
			new OutboxSchema(dataSource, table).initialize();
			long loadStart = System.nanoTime();
			// 100-byte values, 40 topics of uneven size (topic n has 2n + 1 rows in every 1,600),
			// 10,000 keys, written server-side.
			TestDatabase.execute(dataSource, "INSERT INTO " + table.sql() + " (kafka_topic, kafka_key, kafka_value,"
					+ " kafka_header_keys, kafka_header_values) SELECT"
					+ " 'topic-' || floor(sqrt((i % " + TOPICS * TOPICS + ")::float8)), 'key-' || (i % 10000),"
					+ " convert_to(rpad(i::text, 100, 'x'), 'UTF8'), '{}', '{}'"
					+ " FROM generate_series(1, " + rows + ") AS i", "VACUUM ANALYZE " + table.sql());
			System.out.printf(Locale.ROOT, "PostgreSQL %s (%s), %,d rows loaded in %d s, table %s%n",
					version(dataSource), infrastructure.databaseMode(), rows,
					(System.nanoTime() - loadStart) / 1_000_000_000L, size(dataSource, table));

			BacklogSettings defaults = BacklogSettings.defaults();
			measure("default settings: count cap 100,000, top 50 topics", dataSource, table, defaults.countCap(),
					defaults.topK());
			measure("count cap 1,000,000, top 50 topics", dataSource, table, 1_000_000, defaults.topK());
			measure("count cap 1,000,000, per-topic off", dataSource, table, 1_000_000, 0);
			measure("uncapped count (cap above the backlog), top 50 topics", dataSource, table, rows + 1,
					defaults.topK());

			// A report or a slow writer holding a snapshot keeps purged rows' index entries and
			// tuples alive, so every scan from the head has to step over them.
			int purged = Math.min(1_000_000, rows / 5);
			try (Connection holder = dataSource.getConnection()) {
				holder.setAutoCommit(false);
				try (Statement statement = holder.createStatement()) {
					statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
					statement.execute("SELECT 1 FROM " + table.sql() + " LIMIT 1");
				}
				TestDatabase.execute(dataSource, "DELETE FROM " + table.sql() + " WHERE id <= " + purged);
				measure(String.format(Locale.ROOT, "after purging the %,d oldest rows under a held snapshot", purged),
						dataSource, table, defaults.countCap(), defaults.topK());
				holder.rollback();
			}
			TestDatabase.execute(dataSource, "VACUUM " + table.sql());
			measure("after VACUUM", dataSource, table, defaults.countCap(), defaults.topK());

			TestDatabase.execute(dataSource, "TRUNCATE " + table.sql(), "INSERT INTO " + table.sql()
					+ " (kafka_topic, kafka_key, kafka_value, kafka_header_keys, kafka_header_values)"
					+ " SELECT 'topic-' || (i % 10), 'key-' || i, NULL, '{}', '{}' FROM generate_series(1, 1000) AS i",
					"VACUUM ANALYZE " + table.sql());
			measure("healthy outbox of 1,000 rows", dataSource, table, defaults.countCap(), defaults.topK());
		}
		System.exit(0);
	}

	private static void measure(String scenario, HikariDataSource dataSource, OutboxTable table, int countCap,
			int topK) throws SQLException {
		BacklogSampler sampler = new BacklogSampler(dataSource, table, countCap, topK, Duration.ofSeconds(60));
		sampler.sample();
		List<Long> millis = new ArrayList<>();
		BacklogSample sample = null;
		for (int i = 0; i < ROUNDS; i++) {
			long start = System.nanoTime();
			sample = sampler.sample();
			millis.add((System.nanoTime() - start) / 1_000_000);
		}
		System.out.printf(Locale.ROOT, "%n== %s: whole sample %s ms (backlog %,d%s, %d topics)%n", scenario, millis,
				sample.backlog(), sample.capped() ? " capped" : "", sample.topicCount());
		explain(dataSource, "head query (time, count, counter, oldest)", sampler.headSql(), countCap,
				table.sql(), table.quarantine().sql());
		if (topK > 0) {
			explain(dataSource, "per-topic query", sampler.topicsSql(sample.capped()), countCap, topK);
		}
	}

	private static void explain(HikariDataSource dataSource, String what, String sql, Object... parameters)
			throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
			for (int i = 0; i < parameters.length; i++) {
				statement.setObject(i + 1, parameters[i]);
			}
			System.out.println("-- " + what);
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					System.out.println("   " + result.getString(1));
				}
			}
		}
	}

	private static String version(HikariDataSource dataSource) throws SQLException {
		return single(dataSource, "SHOW server_version");
	}

	private static String size(HikariDataSource dataSource, OutboxTable table) throws SQLException {
		return single(dataSource, "SELECT pg_size_pretty(pg_table_size('" + table.sql() + "')) || ' + '"
				+ " || pg_size_pretty(pg_indexes_size('" + table.sql() + "')) || ' of indexes'");
	}

	private static String single(HikariDataSource dataSource, String sql) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(sql)) {
			result.next();
			return result.getString(1);
		}
	}

}
