package dev.harvest.outbox.jdbc;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.util.Assert;

/**
 * {@link OutboxStore} for PostgreSQL over JDBC. Leader epochs live in {@code harvest_leader}
 * in the outbox's schema; each method runs as one statement in a transaction of its own.
 */
public final class JdbcOutboxStore implements OutboxStore {

	/** How long any statement may run before it is cancelled. */
	public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(30);

	private static final String COLUMNS = "id, create_time, kafka_topic, kafka_key, kafka_value, kafka_header_keys, kafka_header_values";

	private final AutonomousTransaction transaction;

	private final String acquireEpochSql;

	private final String markSql;

	private final String markExcludingSql;

	private final String unmarkSql;

	private final String purgeSql;

	private final String recordMarkSql;

	/**
	 * Creates a store with the {@linkplain #DEFAULT_QUERY_TIMEOUT default query timeout}.
	 * @param dataSource the database of the outbox
	 * @param table the outbox table
	 */
	public JdbcOutboxStore(DataSource dataSource, OutboxTable table) {
		this(dataSource, table, DEFAULT_QUERY_TIMEOUT);
	}

	/**
	 * Creates a store.
	 * @param dataSource the database of the outbox
	 * @param table the outbox table
	 * @param queryTimeout how long any statement may run before it is cancelled
	 */
	public JdbcOutboxStore(DataSource dataSource, OutboxTable table, Duration queryTimeout) {
		Assert.notNull(table, "'table' must not be null");
		this.transaction = new AutonomousTransaction(dataSource, queryTimeout);
		String outbox = table.sql();
		String leader = SchemaScript.leaderTable(table).sql();
		this.acquireEpochSql = "INSERT INTO " + leader + " AS l (group_id, epoch, leader_name, leader_id, acquired_at)"
				+ " VALUES (?, 1, ?, ?, clock_timestamp())"
				+ " ON CONFLICT (group_id) DO UPDATE SET epoch = l.epoch + 1, leader_name = EXCLUDED.leader_name,"
				+ " leader_id = EXCLUDED.leader_id, acquired_at = EXCLUDED.acquired_at"
				+ " RETURNING epoch";
		this.markSql = markSql(outbox, leader, false);
		this.markExcludingSql = markSql(outbox, leader, true);
		this.unmarkSql = "WITH leader AS (SELECT epoch FROM " + leader + " WHERE group_id = ? FOR SHARE),"
				+ " unmarked AS (UPDATE " + outbox + " SET leader_id = NULL WHERE id = ANY (?)"
				+ " AND EXISTS (SELECT 1 FROM leader WHERE epoch = ?) RETURNING id)"
				+ " SELECT (SELECT epoch FROM leader) AS current_epoch, (SELECT count(*) FROM unmarked) AS unmarked";
		// No FOR SHARE here, unlike mark: under READ COMMITTED the statement's snapshot either
		// sees a newer epoch, and deletes nothing, or was taken before that epoch committed, so
		// that every row it deletes had been acknowledged before the next leader could send
		// anything. A former leader that resumes after a pause therefore cannot delete a row that
		// its successor may not have sent yet.
		this.purgeSql = "WITH leader AS (SELECT epoch FROM " + leader + " WHERE group_id = ?),"
				+ " purged AS (DELETE FROM " + outbox + " WHERE id = ANY (?)"
				+ " AND EXISTS (SELECT 1 FROM leader WHERE epoch = ?) RETURNING id)"
				+ " SELECT (SELECT epoch FROM leader) AS current_epoch, (SELECT count(*) FROM purged) AS purged";
		this.recordMarkSql = "UPDATE " + leader
				+ " SET last_mark_at = clock_timestamp() WHERE group_id = ? AND epoch = ?";
	}

	// One statement, one round trip. FOR SHARE on the epoch row makes acquireEpoch (an UPDATE
	// of that row) wait until this mark has committed, and makes this mark wait for an
	// acquireEpoch in progress and then see its new epoch. The uncorrelated EXISTS is a
	// one-time filter: with a stale or missing epoch no outbox row is even read. The
	// candidates are a bounded primary key range scan starting right above afterId, so index
	// entries of purged rows below the cursor are never visited; collecting them into an
	// array keeps the UPDATE a primary key lookup whatever plan is cached. The outer LEFT JOIN
	// returns one row even when nothing was marked, carrying the epoch, the snapshot's xmin
	// and the statement's own transaction id, from which the marker tells how far every row that
	// will ever commit has committed (see SettledCursor). Held keys come as two
	// parallel arrays, only when there are any, so that the usual statement stays as small as
	// it can be.
	private static String markSql(String outbox, String leader, boolean excludingHeldKeys) {
		String heldKeyFilter = excludingHeldKeys ? " AND NOT EXISTS (SELECT 1 FROM unnest(CAST(? AS TEXT[]),"
				+ " CAST(? AS TEXT[])) AS held (topic, key) WHERE held.topic = COALESCE(kafka_topic, '')"
				+ " AND held.key = COALESCE(kafka_key, ''))" : "";
		return "WITH leader AS (SELECT epoch FROM " + leader + " WHERE group_id = ? FOR SHARE),"
				+ " marked AS (UPDATE " + outbox + " SET leader_id = ? WHERE id = ANY (ARRAY("
				+ "SELECT id FROM " + outbox + " WHERE id > ? AND id <= ? AND (leader_id IS NULL OR leader_id <> ?)"
				+ " AND EXISTS (SELECT 1 FROM leader WHERE epoch = ?)" + heldKeyFilter + " ORDER BY id LIMIT ?))"
				+ " RETURNING " + COLUMNS + ")"
				+ " SELECT (SELECT epoch FROM leader) AS current_epoch,"
				+ " txid_snapshot_xmin(txid_current_snapshot()) AS snapshot_xmin,"
				+ " txid_current() AS transaction_id, marked.*"
				+ " FROM (VALUES (1)) AS one LEFT JOIN marked ON TRUE ORDER BY marked.id";
	}

	@Override
	public long acquireEpoch(String groupId, String instanceName, UUID leaderId) {
		Assert.hasText(groupId, "'groupId' must not be empty");
		Assert.notNull(leaderId, "'leaderId' must not be null");
		return this.transaction.run("acquire leader epoch", this.acquireEpochSql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, this.acquireEpochSql)) {
				statement.setString(1, groupId);
				statement.setString(2, instanceName);
				statement.setObject(3, leaderId);
				try (ResultSet result = statement.executeQuery()) {
					result.next();
					return result.getLong(1);
				}
			}
		});
	}

	@Override
	public MarkResult mark(String groupId, long epoch, UUID leaderId, long afterId, long upToId, int limit,
			Collection<HeldKey> heldKeys) {
		Assert.notNull(leaderId, "'leaderId' must not be null");
		Assert.isTrue(limit > 0, "'limit' must be positive");
		Assert.notNull(heldKeys, "'heldKeys' must not be null");
		String sql = heldKeys.isEmpty() ? this.markSql : this.markExcludingSql;
		return this.transaction.run("mark outbox rows", sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				int index = 1;
				statement.setString(index++, groupId);
				statement.setObject(index++, leaderId);
				statement.setLong(index++, afterId);
				statement.setLong(index++, upToId);
				statement.setObject(index++, leaderId);
				statement.setLong(index++, epoch);
				List<Array> arrays = new ArrayList<>();
				try {
					if (!heldKeys.isEmpty()) {
						arrays.add(connection.createArrayOf("text", heldKeys.stream().map(HeldKey::topic).toArray()));
						arrays.add(connection.createArrayOf("text", heldKeys.stream().map(HeldKey::key).toArray()));
						statement.setArray(index++, arrays.get(0));
						statement.setArray(index++, arrays.get(1));
					}
					statement.setInt(index, limit);
					try (ResultSet result = statement.executeQuery()) {
						return readMarkResult(result, epoch);
					}
				}
				finally {
					for (Array array : arrays) {
						array.free();
					}
				}
			}
		});
	}

	@Override
	public MarkResult unmark(String groupId, long epoch, Collection<Long> ids) {
		Assert.notNull(ids, "'ids' must not be null");
		return epochGuarded("unmark outbox rows", this.unmarkSql, groupId, epoch, ids,
				(row, currentEpoch, fenced) -> new MarkResult(List.of(), currentEpoch, fenced));
	}

	private static MarkResult readMarkResult(ResultSet result, long epoch) throws SQLException {
		OutboxRowReader reader = OutboxRowReader.forResultSet(result);
		List<OutboxRow> rows = new ArrayList<>();
		long currentEpoch = 0;
		boolean epochKnown = false;
		long snapshotXmin = MarkResult.UNKNOWN;
		long transactionId = MarkResult.UNKNOWN;
		while (result.next()) {
			currentEpoch = result.getLong("current_epoch");
			epochKnown = !result.wasNull();
			snapshotXmin = result.getLong("snapshot_xmin");
			transactionId = result.getLong("transaction_id");
			result.getLong("id");
			if (!result.wasNull()) {
				rows.add(reader.read(result));
			}
		}
		boolean fenced = !epochKnown || currentEpoch != epoch;
		return new MarkResult(fenced ? List.of() : rows, currentEpoch, fenced, snapshotXmin, transactionId);
	}

	@Override
	public void recordMark(String groupId, long epoch) {
		this.transaction.run("record the leader's mark", this.recordMarkSql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, this.recordMarkSql)) {
				statement.setString(1, groupId);
				statement.setLong(2, epoch);
				return statement.executeUpdate();
			}
		});
	}

	@Override
	public PurgeResult purge(String groupId, long epoch, Collection<Long> ids) {
		Assert.notNull(ids, "'ids' must not be null");
		if (ids.isEmpty()) {
			return PurgeResult.nothing(epoch);
		}
		return epochGuarded("purge outbox rows", this.purgeSql, groupId, epoch, ids,
				(row, currentEpoch, fenced) -> new PurgeResult(row.getInt("purged"), currentEpoch, fenced));
	}

	/**
	 * Runs a statement on a set of rows that takes effect only for the group's current epoch:
	 * parameters group, ids and epoch, and one result row with {@code current_epoch}.
	 */
	private <T> T epochGuarded(String description, String sql, String groupId, long epoch, Collection<Long> ids,
			EpochGuardedResult<T> reader) {
		return this.transaction.run(description, sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				Array array = connection.createArrayOf("bigint", ids.toArray());
				try {
					statement.setString(1, groupId);
					statement.setArray(2, array);
					statement.setLong(3, epoch);
					try (ResultSet result = statement.executeQuery()) {
						result.next();
						long currentEpoch = result.getLong("current_epoch");
						boolean fenced = result.wasNull() || currentEpoch != epoch;
						return reader.read(result, currentEpoch, fenced);
					}
				}
				finally {
					array.free();
				}
			}
		});
	}

	/**
	 * Returns the mark statement, so that its query plan can be examined.
	 * @return the statement with JDBC parameters
	 */
	String markSql() {
		return this.markSql;
	}

	/**
	 * Returns the mark statement that leaves out held keys, so that its query plan can be
	 * examined.
	 * @return the statement with JDBC parameters
	 */
	String markExcludingSql() {
		return this.markExcludingSql;
	}

	/**
	 * Reads the one result row of an epoch-guarded statement.
	 */
	@FunctionalInterface
	private interface EpochGuardedResult<T> {

		T read(ResultSet row, long currentEpoch, boolean fenced) throws SQLException;

	}

}
