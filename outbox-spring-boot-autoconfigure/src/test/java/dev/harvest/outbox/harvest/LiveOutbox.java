package dev.harvest.outbox.harvest;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * An outbox table of either supported shape in a fresh schema of the test database, written
 * with plain SQL the way goharvest's stasher and non-Java writers do.
 */
final class LiveOutbox implements AutoCloseable {

	/** goharvest's outbox table, exactly as its README gives it. */
	private static final String GOHARVEST_DDL = "CREATE TABLE %s (id BIGSERIAL PRIMARY KEY,"
			+ " create_time TIMESTAMPTZ NOT NULL, kafka_topic VARCHAR(249) NOT NULL, kafka_key VARCHAR(100) NOT NULL,"
			+ " kafka_value VARCHAR(10000), kafka_header_keys TEXT[] NOT NULL, kafka_header_values TEXT[] NOT NULL,"
			+ " leader_id UUID)";

	private final TestDatabase database;

	private final OutboxTable table;

	private final Shape shape;

	private final HikariDataSource writerDataSource;

	private final List<HikariDataSource> dataSources = new ArrayList<>();

	private LiveOutbox(TestDatabase database, OutboxTable table, Shape shape) {
		this.database = database;
		this.table = table;
		this.shape = shape;
		this.writerDataSource = database.createDataSource(4);
	}

	/**
	 * Creates the outbox table in a fresh schema, with the leader epoch table beside it.
	 * @param shape the table's shape
	 * @return the outbox
	 */
	static LiveOutbox create(Shape shape) {
		TestDatabase database = TestInfrastructure.get().newDatabase();
		LiveOutbox outbox = new LiveOutbox(database, new OutboxTable(database.schema(), "outbox"), shape);
		OutboxSchema schema = new OutboxSchema(outbox.writerDataSource, outbox.table);
		if (shape == Shape.GOHARVEST) {
			TestDatabase.execute(outbox.writerDataSource, GOHARVEST_DDL.formatted(outbox.table.sql()));
			schema.verify();
		}
		else {
			schema.initialize();
		}
		return outbox;
	}

	OutboxTable table() {
		return this.table;
	}

	/**
	 * Creates a connection pool of its own, as a separate application instance would have;
	 * closed with this outbox.
	 * @param size the largest number of connections
	 * @return the pool
	 */
	HikariDataSource newDataSource(int size) {
		HikariDataSource dataSource = this.database.createDataSource(size);
		synchronized (this.dataSources) {
			this.dataSources.add(dataSource);
		}
		return dataSource;
	}

	/**
	 * Opens a connection for writing; the caller closes it.
	 * @return a connection in auto-commit mode
	 * @throws SQLException on database errors
	 */
	Connection connection() throws SQLException {
		return this.writerDataSource.getConnection();
	}

	/**
	 * Inserts a row through a given connection, in whatever transaction it has open, with
	 * goharvest's insert statement.
	 * @param connection the connection
	 * @param topic the topic
	 * @param key the key
	 * @param value the value, {@code null} for a tombstone
	 * @param headers header keys and values, in order; a key may repeat
	 * @return the new row's id
	 * @throws SQLException on database errors
	 */
	long insert(Connection connection, String topic, String key, byte @Nullable [] value,
			List<Map.Entry<String, String>> headers) throws SQLException {
		String sql = "INSERT INTO " + this.table.sql() + " (create_time, kafka_topic, kafka_key, kafka_value,"
				+ " kafka_header_keys, kafka_header_values) VALUES (NOW(), ?, ?, ?, ?, ?) RETURNING id";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, topic);
			statement.setString(2, key);
			if (this.shape == Shape.RECOMMENDED) {
				statement.setBytes(3, value);
			}
			else {
				statement.setString(3, (value != null) ? new String(value, StandardCharsets.UTF_8) : null);
			}
			statement.setArray(4, connection.createArrayOf("text", headers.stream().map(Map.Entry::getKey).toArray()));
			statement.setArray(5,
					connection.createArrayOf("text", headers.stream().map(Map.Entry::getValue).toArray()));
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
	}

	/**
	 * Inserts a row whose value is its key's sequence number as text.
	 * @param connection the connection
	 * @param topic the topic
	 * @param key the key
	 * @param sequence the key's sequence number
	 * @return the new row's id
	 * @throws SQLException on database errors
	 */
	long insert(Connection connection, String topic, String key, long sequence) throws SQLException {
		return insert(connection, topic, key, Long.toString(sequence).getBytes(StandardCharsets.UTF_8), List.of());
	}

	/**
	 * Inserts rows in one transaction with a JDBC batch, values being per-key sequence
	 * numbers: {@code rows} rows over {@code keys} keys, round robin.
	 * @param topic the topic
	 * @param keys the number of keys, named {@code key-0}, {@code key-1}, ...
	 * @param rows the number of rows
	 * @return the number of rows written per key
	 */
	Map<String, Long> insertSequenced(String topic, int keys, int rows) {
		Map<String, Long> written = new LinkedHashMap<>();
		insertSequenced(topic, keys, rows, written);
		return written;
	}

	/**
	 * Inserts rows like {@link #insertSequenced(String, int, int)}, continuing each key's
	 * sequence where {@code written} says it stands.
	 * @param topic the topic
	 * @param keys the number of keys
	 * @param rows the number of rows
	 * @param written the number of rows written so far per key; updated once committed
	 */
	void insertSequenced(String topic, int keys, int rows, Map<String, Long> written) {
		Map<String, Long> next = new LinkedHashMap<>(written);
		String sql = "INSERT INTO " + this.table.sql() + " (create_time, kafka_topic, kafka_key, kafka_value,"
				+ " kafka_header_keys, kafka_header_values) VALUES (NOW(), ?, ?, ?, '{}', '{}')";
		try (Connection connection = connection()) {
			connection.setAutoCommit(false);
			try (PreparedStatement statement = connection.prepareStatement(sql)) {
				for (int i = 0; i < rows; i++) {
					String key = "key-" + (i % keys);
					long sequence = next.merge(key, 1L, Long::sum) - 1;
					statement.setString(1, topic);
					statement.setString(2, key);
					String value = Long.toString(sequence);
					if (this.shape == Shape.RECOMMENDED) {
						statement.setBytes(3, value.getBytes(StandardCharsets.UTF_8));
					}
					else {
						statement.setString(3, value);
					}
					statement.addBatch();
					if (i % 1000 == 999) {
						statement.executeBatch();
					}
				}
				statement.executeBatch();
			}
			connection.commit();
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		written.putAll(next);
	}

	/**
	 * Counts the rows as a separate session sees them: uncommitted rows do not count.
	 * @return the number of committed rows
	 */
	long count() {
		try (Connection connection = connection();
				PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM " + this.table.sql());
				ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Reads the leader id of every committed row.
	 * @return leader ids by row id, {@code null} for unmarked rows
	 */
	Map<Long, @Nullable UUID> leaderIds() {
		Map<Long, @Nullable UUID> leaderIds = new LinkedHashMap<>();
		try (Connection connection = connection();
				PreparedStatement statement = connection
					.prepareStatement("SELECT id, leader_id FROM " + this.table.sql() + " ORDER BY id");
				ResultSet result = statement.executeQuery()) {
			while (result.next()) {
				leaderIds.put(result.getLong(1), result.getObject(2, UUID.class));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return leaderIds;
	}

	@Override
	public void close() {
		this.writerDataSource.close();
		synchronized (this.dataSources) {
			this.dataSources.forEach(HikariDataSource::close);
		}
	}

	/**
	 * The two supported outbox table shapes.
	 */
	enum Shape {

		/** goharvest's table: {@code kafka_value VARCHAR(10000)}. */
		GOHARVEST,

		/** Harvest's recommended table: {@code kafka_value BYTEA}. */
		RECOMMENDED

	}

}
