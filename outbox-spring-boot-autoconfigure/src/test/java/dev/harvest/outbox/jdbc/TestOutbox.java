package dev.harvest.outbox.jdbc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * An outbox table of one of the two supported shapes in a fresh schema, with a way to write
 * rows as a plain SQL writer would.
 */
final class TestOutbox implements AutoCloseable {

	private final TestDatabase database;

	private final HikariDataSource dataSource;

	private final OutboxTable table;

	private final Shape shape;

	private TestOutbox(TestDatabase database, HikariDataSource dataSource, OutboxTable table, Shape shape) {
		this.database = database;
		this.dataSource = dataSource;
		this.table = table;
		this.shape = shape;
	}

	/**
	 * Creates the outbox table in a fresh schema, with the leader epoch table beside it.
	 * @param shape the table's shape
	 * @return the outbox
	 */
	static TestOutbox create(Shape shape) {
		TestDatabase database = TestInfrastructure.get().newDatabase();
		HikariDataSource dataSource = database.createDataSource();
		OutboxTable table = new OutboxTable(database.schema(), "outbox");
		SchemaScript script = SchemaScript.load(shape.script, table);
		TestDatabase.execute(dataSource, script.statementCreating(table).sql());
		new OutboxSchema(dataSource, table).verify();
		return new TestOutbox(database, dataSource, table, shape);
	}

	TestDatabase database() {
		return this.database;
	}

	HikariDataSource dataSource() {
		return this.dataSource;
	}

	OutboxTable table() {
		return this.table;
	}

	Shape shape() {
		return this.shape;
	}

	/**
	 * Writes a record.
	 * @param record the record
	 * @return the new row's id
	 */
	long insert(OutboxRecord record) {
		return insert(record.topic(), record.key(), record.value(),
				record.headers().stream().map(OutboxHeader::key).toArray(String[]::new),
				record.headers().stream().map(OutboxHeader::value).toArray(String[]::new));
	}

	/**
	 * Writes a row with the given header arrays, which need not match up.
	 * @param topic the topic
	 * @param key the key
	 * @param value the value, or {@code null}
	 * @param headerKeys the header keys
	 * @param headerValues the header values
	 * @return the new row's id
	 */
	long insert(String topic, String key, byte @Nullable [] value, String[] headerKeys, String[] headerValues) {
		try (Connection connection = this.dataSource.getConnection()) {
			return insert(connection, topic, key, value, headerKeys, headerValues);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Writes a row through a given connection, for example inside a transaction kept open.
	 * @param connection the connection
	 * @param key the key
	 * @return the new row's id
	 * @throws SQLException on database errors
	 */
	long insert(Connection connection, String key) throws SQLException {
		return insert(connection, "topic", key, ("value-" + key).getBytes(StandardCharsets.UTF_8), new String[0],
				new String[0]);
	}

	private long insert(Connection connection, String topic, String key, byte @Nullable [] value, String[] headerKeys,
			String[] headerValues) throws SQLException {
		String sql = "INSERT INTO " + this.table.sql() + " (create_time, kafka_topic, kafka_key, kafka_value,"
				+ " kafka_header_keys, kafka_header_values) VALUES (now(), ?, ?, ?, ?, ?) RETURNING id";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, topic);
			statement.setString(2, key);
			if (this.shape.binary) {
				statement.setBytes(3, value);
			}
			else {
				statement.setString(3, (value != null) ? new String(value, StandardCharsets.UTF_8) : null);
			}
			statement.setArray(4, connection.createArrayOf("text", headerKeys));
			statement.setArray(5, connection.createArrayOf("text", headerValues));
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getLong(1);
			}
		}
	}

	/**
	 * Writes rows with keys {@code key-0}, {@code key-1}, ...
	 * @param count how many
	 * @return their ids in order
	 */
	List<Long> insertRows(int count) {
		List<Long> ids = new ArrayList<>();
		try (Connection connection = this.dataSource.getConnection()) {
			for (int i = 0; i < count; i++) {
				ids.add(insert(connection, "key-" + i));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return ids;
	}

	/**
	 * Reads the leader id of every row.
	 * @return leader ids by row id, with {@code null} for unmarked rows
	 */
	Map<Long, @Nullable UUID> leaderIds() {
		Map<Long, @Nullable UUID> leaderIds = new HashMap<>();
		try (Connection connection = this.dataSource.getConnection();
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

	/**
	 * Reads the ids of all rows.
	 * @return the ids in order
	 */
	List<Long> ids() {
		return this.leaderIds().keySet().stream().sorted().toList();
	}

	@Override
	public void close() {
		this.dataSource.close();
	}

	/**
	 * The two supported outbox table shapes.
	 */
	enum Shape {

		/** goharvest's exact table: {@code kafka_value VARCHAR(10000)}. */
		GOHARVEST(SchemaScript.GOHARVEST, false),

		/** Harvest's recommended table: {@code kafka_value BYTEA}. */
		RECOMMENDED(SchemaScript.RECOMMENDED, true);

		private final String script;

		private final boolean binary;

		Shape(String script, boolean binary) {
			this.script = script;
			this.binary = binary;
		}

		boolean binary() {
			return this.binary;
		}

	}

}
