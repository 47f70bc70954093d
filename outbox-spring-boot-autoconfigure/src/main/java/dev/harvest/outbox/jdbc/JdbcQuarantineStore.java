package dev.harvest.outbox.jdbc;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

import dev.harvest.outbox.harvest.PoisonPolicy;
import dev.harvest.outbox.jdbc.QuarantineActionResult.Action;
import dev.harvest.outbox.jdbc.QuarantineResult.Outcome;
import dev.harvest.outbox.jdbc.TableColumns.Column;

/**
 * {@link QuarantineStore} for PostgreSQL over JDBC, on the outbox's sibling table
 * {@code <outbox>_quarantine}. Each method runs as one statement in a transaction of its
 * own. Works with goharvest's text-valued outbox and with the recommended binary one: the
 * value's type is read from the catalog on first use.
 */
public final class JdbcQuarantineStore implements QuarantineStore {

	private static final Log logger = LogFactory.getLog(JdbcQuarantineStore.class);

	private static final Set<String> BINARY_TYPES = Set.of("bytea");

	private static final Set<String> TEXT_TYPES = Set.of("text", "varchar");

	private final AutonomousTransaction transaction;

	private final OutboxTable table;

	private volatile @Nullable QuarantineSql sql;

	/**
	 * Creates a store with the {@linkplain JdbcOutboxStore#DEFAULT_QUERY_TIMEOUT default
	 * query timeout}.
	 * @param dataSource the database of the outbox
	 * @param table the outbox table
	 */
	public JdbcQuarantineStore(DataSource dataSource, OutboxTable table) {
		this(dataSource, table, JdbcOutboxStore.DEFAULT_QUERY_TIMEOUT);
	}

	/**
	 * Creates a store.
	 * @param dataSource the database of the outbox
	 * @param table the outbox table
	 * @param queryTimeout how long any statement may run before it is cancelled
	 */
	public JdbcQuarantineStore(DataSource dataSource, OutboxTable table, Duration queryTimeout) {
		Assert.notNull(table, "'table' must not be null");
		this.transaction = new AutonomousTransaction(dataSource, queryTimeout);
		this.table = table;
	}

	@Override
	public QuarantineResult quarantine(String groupId, long epoch, long id, QuarantineEntry entry,
			Collection<Long> unmarkIds) {
		Assert.hasText(groupId, "'groupId' must not be empty");
		Assert.notNull(entry, "'entry' must not be null");
		Assert.notNull(unmarkIds, "'unmarkIds' must not be null");
		String sql = sql().quarantine();
		return this.transaction.run("quarantine outbox row " + id, sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				Array unmark = connection.createArrayOf("bigint", unmarkIds.toArray());
				try {
					statement.setString(1, groupId);
					statement.setLong(2, id);
					statement.setLong(3, id);
					statement.setLong(4, epoch);
					setEntry(statement, 5, entry);
					statement.setArray(12, unmark);
					statement.setLong(13, epoch);
					try (ResultSet result = statement.executeQuery()) {
						result.next();
						QuarantineResult moved = readMove(result, epoch);
						if (moved.outcome() == Outcome.MISSING && result.getBoolean("already_moved")) {
							return new QuarantineResult(Outcome.MOVED, moved.currentEpoch(), List.of(id));
						}
						return moved;
					}
				}
				finally {
					unmark.free();
				}
			}
		});
	}

	@Override
	public QuarantineResult park(String groupId, long epoch, HeldKey key, Collection<Long> ids,
			QuarantineEntry entry) {
		Assert.hasText(groupId, "'groupId' must not be empty");
		Assert.notNull(key, "'key' must not be null");
		Assert.notNull(ids, "'ids' must not be null");
		Assert.notNull(entry, "'entry' must not be null");
		Assert.isTrue(entry.policy() == PoisonPolicy.PARK_KEY,
				() -> "A parked key's rows must be quarantined with policy PARK_KEY, not " + entry.policy());
		String sql = sql().park(key.topic(), key.key());
		return this.transaction.run("park rows of " + key, sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				Array moving = connection.createArrayOf("bigint", ids.toArray());
				try {
					statement.setString(1, groupId);
					statement.setString(2, key.topic());
					statement.setString(3, key.key());
					statement.setArray(4, moving);
					statement.setLong(5, epoch);
					setEntry(statement, 6, entry);
					statement.setArray(13, moving);
					statement.setLong(14, epoch);
					try (ResultSet result = statement.executeQuery()) {
						result.next();
						QuarantineResult moved = readMove(result, epoch);
						if (!moved.isFenced() && !result.getBoolean("held")) {
							return new QuarantineResult(Outcome.RELEASED, moved.currentEpoch(), List.of());
						}
						return moved;
					}
				}
				finally {
					moving.free();
				}
			}
		});
	}

	private static void setEntry(PreparedStatement statement, int first, QuarantineEntry entry) throws SQLException {
		statement.setInt(first, entry.attempts());
		statement.setObject(first + 1, OffsetDateTime.ofInstant(entry.firstFailureTime(), ZoneOffset.UTC));
		statement.setObject(first + 2, OffsetDateTime.ofInstant(entry.lastFailureTime(), ZoneOffset.UTC));
		statement.setString(first + 3, entry.lastError());
		statement.setString(first + 4, entry.errorClass());
		statement.setString(first + 5, entry.policy().name());
		statement.setBoolean(first + 6, !entry.holdsKey());
	}

	private static QuarantineResult readMove(ResultSet result, long epoch) throws SQLException {
		long currentEpoch = result.getLong("current_epoch");
		boolean epochKnown = !result.wasNull();
		List<Long> ids = ids(result.getArray("ids"));
		if (!epochKnown || currentEpoch != epoch) {
			// The stale epoch made the statement's EXISTS false: nothing moved.
			return new QuarantineResult(Outcome.FENCED, currentEpoch, List.of());
		}
		return new QuarantineResult(ids.isEmpty() ? Outcome.MISSING : Outcome.MOVED, currentEpoch, ids);
	}

	@Override
	public Map<HeldKey, PoisonPolicy> heldKeys() {
		String sql = sql().heldKeys();
		return this.transaction.run("read held keys", sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql);
					ResultSet result = statement.executeQuery()) {
				Map<HeldKey, PoisonPolicy> keys = new HashMap<>();
				while (result.next()) {
					keys.put(new HeldKey(orEmpty(result.getString(1)), orEmpty(result.getString(2))),
							result.getBoolean(3) ? PoisonPolicy.PARK_KEY : PoisonPolicy.HOLD_KEY);
				}
				return Map.copyOf(keys);
			}
		});
	}

	@Override
	public Page<QuarantinedRow> list(int page, int size) {
		requirePage(page, size);
		String sql = sql().list();
		return this.transaction.run("list quarantined rows", sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				statement.setInt(1, size);
				statement.setLong(2, (long) page * size);
				List<QuarantinedRow> rows = new ArrayList<>();
				long total = 0;
				try (ResultSet result = statement.executeQuery()) {
					while (result.next()) {
						total = result.getLong("row_count");
						result.getLong("id");
						if (!result.wasNull()) {
							rows.add(readRow(result));
						}
					}
				}
				return new Page<>(rows, page, size, total);
			}
		});
	}

	private static QuarantinedRow readRow(ResultSet result) throws SQLException {
		int valueSize = result.getInt("value_size");
		Integer size = result.wasNull() ? null : valueSize;
		Array headerKeys = result.getArray("kafka_header_keys");
		List<@Nullable String> keys = new ArrayList<>();
		if (headerKeys != null) {
			try {
				for (Object key : (Object[]) headerKeys.getArray()) {
					keys.add((key != null) ? key.toString() : null);
				}
			}
			finally {
				headerKeys.free();
			}
		}
		return new QuarantinedRow(result.getLong("id"), instant(result, "create_time"),
				orEmpty(result.getString("kafka_topic")), orEmpty(result.getString("kafka_key")), size, keys,
				result.getInt("attempts"), instant(result, "first_failure_time"), instant(result, "last_failure_time"),
				result.getString("last_error"), result.getString("error_class"), policy(result.getString("policy")),
				requiredInstant(result, "quarantined_at"), instant(result, "released_at"));
	}

	@Override
	public List<HeldKeyView> listHeldKeys(int page, int size) {
		requirePage(page, size);
		String sql = sql().listHeldKeys();
		return this.transaction.run("list held keys", sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				statement.setInt(1, size);
				statement.setLong(2, (long) page * size);
				List<HeldKeyView> keys = new ArrayList<>();
				try (ResultSet result = statement.executeQuery()) {
					while (result.next()) {
						keys.add(new HeldKeyView(result.getString("topic"), result.getString("key"),
								result.getLong("row_count"), result.getLong("oldest_id"),
								policy(result.getString("policy")), requiredInstant(result, "held_since")));
					}
				}
				return List.copyOf(keys);
			}
		});
	}

	@Override
	public QuarantineActionResult retry(long id) {
		String sql = sql().retry();
		QuarantineActionResult retried = this.transaction.run("retry quarantined row " + id, sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				statement.setLong(1, id);
				try (ResultSet result = statement.executeQuery()) {
					if (!result.next()) {
						return Optional.<QuarantineActionResult>empty();
					}
					return Optional.of(new QuarantineActionResult(Action.RETRY, orEmpty(result.getString("kafka_topic")),
							orEmpty(result.getString("kafka_key")), List.of(id), result.getBoolean("key_held")));
				}
			}
		})
			.orElseThrow(() -> new IllegalArgumentException("No row with id " + id + " is in quarantine table "
					+ this.table.quarantine() + "; it may have been retried or replayed already"));
		logger.info("Moved quarantined row " + id + " of topic '" + retried.topic() + "', key '" + retried.key()
				+ "' back into outbox " + this.table + (retried.keyHeld()
						? "; the key stays held by other quarantined rows" : "; the key is no longer held"));
		return retried;
	}

	@Override
	public QuarantineActionResult release(String topic, String key) {
		Assert.notNull(topic, "'topic' must not be null");
		Assert.notNull(key, "'key' must not be null");
		List<Long> ids = runForIds("release quarantined key", sql().release(topic, key), topic, key);
		if (ids.isEmpty()) {
			throw new IllegalArgumentException(
					"Key '" + key + "' of topic '" + topic + "' is not held by quarantine table " + this.table.quarantine());
		}
		logger.info("Released key '" + key + "' of topic '" + topic + "': its quarantined rows " + ids
				+ " stay in quarantine table " + this.table.quarantine() + " and later rows of the key are published");
		return new QuarantineActionResult(Action.RELEASE, topic, key, ids, false);
	}

	@Override
	public QuarantineActionResult replay(String topic, String key) {
		Assert.notNull(topic, "'topic' must not be null");
		Assert.notNull(key, "'key' must not be null");
		List<Long> ids = runForIds("replay quarantined key", sql().replay(topic, key), topic, key);
		if (ids.isEmpty()) {
			throw new IllegalArgumentException("Key '" + key + "' of topic '" + topic + "' has no rows in quarantine"
					+ " table " + this.table.quarantine());
		}
		logger.info("Moved quarantined rows " + ids + " of topic '" + topic + "', key '" + key
				+ "' back into outbox " + this.table);
		return new QuarantineActionResult(Action.REPLAY, topic, key, ids, false);
	}

	private List<Long> runForIds(String task, String sql, String topic, String key) {
		return this.transaction.run(task, sql, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, sql)) {
				statement.setString(1, topic);
				statement.setString(2, key);
				List<Long> ids = new ArrayList<>();
				try (ResultSet result = statement.executeQuery()) {
					while (result.next()) {
						ids.add(result.getLong(1));
					}
				}
				return List.copyOf(ids);
			}
		});
	}

	/**
	 * Returns the statements, reading the outbox's value type from the catalog on first use.
	 * @return the statements
	 */
	QuarantineSql sql() {
		QuarantineSql sql = this.sql;
		if (sql == null) {
			// Concurrent first calls may both read the catalog; they reach the same answer.
			sql = new QuarantineSql(this.table, hasBinaryValue());
			this.sql = sql;
		}
		return sql;
	}

	private boolean hasBinaryValue() {
		Column value = TableColumns.read(this.transaction, this.table).get("kafka_value");
		if (value == null) {
			throw new IllegalStateException("Outbox table " + this.table.sql() + " does not exist or has no column"
					+ " kafka_value, so its rows cannot be moved to quarantine");
		}
		if (BINARY_TYPES.contains(value.typeName())) {
			return true;
		}
		if (TEXT_TYPES.contains(value.typeName())) {
			return false;
		}
		throw new IllegalStateException("Column kafka_value of outbox table " + this.table.sql() + " is "
				+ value.displayType() + ", but Harvest can quarantine rows only with a bytea or varchar value");
	}

	private static void requirePage(int page, int size) {
		if (page < 0) {
			throw new IllegalArgumentException("Page must not be negative, but was " + page);
		}
		if (size < 1 || size > MAX_PAGE_SIZE) {
			throw new IllegalArgumentException("Page size must be between 1 and " + MAX_PAGE_SIZE + ", but was " + size);
		}
	}

	private static List<Long> ids(@Nullable Array array) throws SQLException {
		if (array == null) {
			return List.of();
		}
		try {
			return Arrays.stream((Object[]) array.getArray()).map((id) -> ((Number) id).longValue()).toList();
		}
		finally {
			array.free();
		}
	}

	private static @Nullable Instant instant(ResultSet result, String column) throws SQLException {
		OffsetDateTime time = result.getObject(column, OffsetDateTime.class);
		return (time != null) ? time.toInstant() : null;
	}

	private static Instant requiredInstant(ResultSet result, String column) throws SQLException {
		Instant instant = instant(result, column);
		if (instant == null) {
			throw new IllegalStateException("Column " + column + " of a quarantined row is NULL");
		}
		return instant;
	}

	private static @Nullable PoisonPolicy policy(@Nullable String name) {
		if (name == null) {
			return null;
		}
		try {
			return PoisonPolicy.valueOf(name);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static String orEmpty(@Nullable String text) {
		return (text != null) ? text : "";
	}

}
