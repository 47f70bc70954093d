package dev.harvest.faults;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * The writers' business table: every outbox row is written together with a ledger row in the
 * same transaction, so the ledger says what committed, even when a connection broke during
 * the commit and the writer could not tell.
 */
final class Ledger {

	private final DataSource direct;

	private final OutboxTable table;

	private final OutboxTable outbox;

	/**
	 * Creates the ledger table beside the outbox.
	 * @param direct a connection pool that no fault reaches
	 * @param outbox the outbox table
	 */
	Ledger(DataSource direct, OutboxTable outbox) {
		this.direct = direct;
		this.outbox = outbox;
		this.table = outbox.inSameSchema("fault_ledger");
		TestDatabase.execute(direct, "CREATE TABLE " + this.table.sql() + " (topic TEXT NOT NULL, record_key TEXT NOT NULL,"
				+ " sequence BIGINT NOT NULL, transaction_token TEXT NOT NULL, poison BOOLEAN NOT NULL,"
				+ " outbox_id BIGINT NOT NULL, PRIMARY KEY (topic, record_key, sequence))",
				"CREATE INDEX ON " + this.table.sql() + " (transaction_token)");
	}

	/**
	 * Writes a record's ledger row in the caller's transaction.
	 * @param connection the writer's connection
	 * @param entry the record
	 * @throws SQLException on database errors
	 */
	void insert(Connection connection, Entry entry) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("INSERT INTO " + this.table.sql()
				+ " (topic, record_key, sequence, transaction_token, poison, outbox_id) VALUES (?, ?, ?, ?, ?, ?)")) {
			statement.setString(1, entry.topic());
			statement.setString(2, entry.key());
			statement.setLong(3, entry.sequence());
			statement.setString(4, entry.token());
			statement.setBoolean(5, entry.poison());
			statement.setLong(6, entry.outboxId());
			statement.executeUpdate();
		}
	}

	/**
	 * Says whether a transaction committed.
	 * @param token the transaction's token
	 * @return {@code true} when its rows are in the ledger
	 * @throws SQLException on database errors
	 */
	boolean committed(String token) throws SQLException {
		try (Connection connection = this.direct.getConnection();
				PreparedStatement statement = connection
					.prepareStatement("SELECT count(*) FROM " + this.table.sql() + " WHERE transaction_token = ?")) {
			statement.setString(1, token);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getLong(1) > 0;
			}
		}
	}

	/**
	 * Returns the highest outbox id that has committed so far.
	 * @return the id, 0 when nothing has
	 */
	long highestOutboxId() {
		try (Connection connection = this.direct.getConnection();
				PreparedStatement statement = connection
					.prepareStatement("SELECT coalesce(max(outbox_id), 0) FROM " + this.table.sql());
				ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not read the ledger", ex);
		}
	}

	/**
	 * Reads every committed record.
	 * @return the records
	 */
	List<Entry> entries() {
		List<Entry> entries = new ArrayList<>();
		try (Connection connection = this.direct.getConnection();
				PreparedStatement statement = connection.prepareStatement("SELECT topic, record_key, sequence,"
						+ " transaction_token, poison, outbox_id FROM " + this.table.sql());
				ResultSet result = statement.executeQuery()) {
			while (result.next()) {
				entries.add(new Entry(result.getString(1), result.getString(2), result.getLong(3), result.getString(4),
						result.getBoolean(5), result.getLong(6)));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not read the ledger", ex);
		}
		return entries;
	}

	/**
	 * Reads the ids of the rows still in the outbox.
	 * @return the ids
	 */
	Set<Long> outboxIds() {
		return ids(this.outbox);
	}

	/**
	 * Reads the ids of the rows in the quarantine table.
	 * @return the ids
	 */
	Set<Long> quarantineIds() {
		return ids(this.outbox.quarantine());
	}

	private Set<Long> ids(OutboxTable source) {
		Set<Long> ids = new HashSet<>();
		try (Connection connection = this.direct.getConnection();
				PreparedStatement statement = connection.prepareStatement("SELECT id FROM " + source.sql());
				ResultSet result = statement.executeQuery()) {
			while (result.next()) {
				ids.add(result.getLong(1));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not read the ids in " + source, ex);
		}
		return ids;
	}

	/**
	 * One committed record.
	 *
	 * @param topic the topic
	 * @param key the key
	 * @param sequence the key's sequence number, counted in commit order from 0
	 * @param token the transaction that wrote it
	 * @param poison whether the record can never be published
	 * @param outboxId the id of its outbox row
	 */
	record Entry(String topic, String key, long sequence, String token, boolean poison, long outboxId) {
	}

}
