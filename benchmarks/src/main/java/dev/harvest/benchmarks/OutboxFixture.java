package dev.harvest.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;

import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * One case's outbox: a schema of its own holding Harvest's recommended tables, a connection
 * pool, and a topic. Closing it drops the schema and deletes the topic, so that a long suite
 * does not fill the disk.
 */
final class OutboxFixture implements AutoCloseable {

	/** Rows inserted per statement when pre-loading, to keep each transaction's WAL modest. */
	private static final long LOAD_CHUNK = 500_000;

	private final Infrastructure infrastructure;

	private final TestDatabase database;

	private final HikariDataSource dataSource;

	private final OutboxTable table;

	private final String topic;

	private OutboxFixture(Infrastructure infrastructure, TestDatabase database, HikariDataSource dataSource,
			OutboxTable table, String topic) {
		this.infrastructure = infrastructure;
		this.database = database;
		this.dataSource = dataSource;
		this.table = table;
		this.topic = topic;
	}

	/**
	 * Creates the schema, tables and topic.
	 * @param infrastructure where to create them
	 * @param partitions partitions of the topic
	 * @param poolSize connections of the pool
	 * @return the fixture
	 */
	static OutboxFixture create(Infrastructure infrastructure, int partitions, int poolSize) {
		TestDatabase database = infrastructure.newDatabase("bench");
		HikariDataSource dataSource = null;
		try {
			dataSource = database.createDataSource(poolSize);
			OutboxTable table = new OutboxTable(database.schema(), "outbox");
			new OutboxSchema(dataSource, table).initialize();
			String topic = infrastructure.newTopic("bench", partitions);
			return new OutboxFixture(infrastructure, database, dataSource, table, topic);
		}
		catch (RuntimeException ex) {
			if (dataSource != null) {
				dataSource.close();
			}
			infrastructure.dropDatabase(database);
			throw ex;
		}
	}

	HikariDataSource dataSource() {
		return this.dataSource;
	}

	TestDatabase database() {
		return this.database;
	}

	OutboxTable table() {
		return this.table;
	}

	String topic() {
		return this.topic;
	}

	/**
	 * Inserts a backlog with plain SQL, generated inside PostgreSQL, then vacuums and analyzes
	 * the table as autovacuum eventually would and checkpoints, so that neither the load nor
	 * the first reads' hint-bit writes are charged to the harvester. Row {@code i} has key
	 * {@code key-(i % keys)} and a value of {@code valueBytes} bytes starting with {@code i}.
	 * @param rows rows to insert
	 * @param keys distinct keys
	 * @param valueBytes bytes per value
	 */
	void preload(long rows, int keys, int valueBytes) {
		String insert = "INSERT INTO " + this.table.sql() + " (kafka_topic, kafka_key, kafka_value,"
				+ " kafka_header_keys, kafka_header_values) SELECT ?, 'key-' || (i % ?),"
				+ " convert_to(rpad(i::text, ?, 'x'), 'UTF8'), '{}', '{}' FROM generate_series(?::bigint, ?::bigint) AS i";
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(true);
			for (long from = 1; from <= rows; from += LOAD_CHUNK) {
				try (PreparedStatement statement = connection.prepareStatement(insert)) {
					statement.setString(1, this.topic);
					statement.setInt(2, keys);
					statement.setInt(3, valueBytes);
					statement.setLong(4, from);
					statement.setLong(5, Math.min(rows, from + LOAD_CHUNK - 1));
					statement.executeUpdate();
				}
			}
			try (Statement statement = connection.createStatement()) {
				statement.execute("VACUUM (ANALYZE) " + this.table.sql());
			}
			checkpoint(connection);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not pre-load " + rows + " rows", ex);
		}
	}

	// CHECKPOINT needs a superuser or pg_checkpoint; a server given through the environment
	// may not allow it, and the run is still valid without.
	private static void checkpoint(Connection connection) {
		try (Statement statement = connection.createStatement()) {
			statement.execute("CHECKPOINT");
		}
		catch (SQLException ex) {
			System.err.println("  (no CHECKPOINT after loading: " + ex.getMessage() + ")");
		}
	}

	/**
	 * Counts the rows left in the outbox.
	 * @return the row count
	 */
	long count() {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT count(*) FROM " + this.table.sql())) {
			result.next();
			return result.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not count outbox rows", ex);
		}
	}

	@Override
	public void close() {
		try {
			this.dataSource.close();
		}
		finally {
			try {
				this.infrastructure.dropDatabase(this.database);
			}
			finally {
				this.infrastructure.deleteTopics(List.of(this.topic));
			}
		}
	}

}
