package dev.harvest.outbox.jdbc;

import java.util.function.Function;

/**
 * The statements of {@link JdbcQuarantineStore} for one outbox table. Every move between the
 * outbox and the quarantine table is a single statement (a DELETE ... RETURNING feeding an
 * INSERT), so that a row is never in both tables nor in neither. The record columns are
 * copied raw, converting the value only between goharvest's text and the quarantine's bytes.
 */
final class QuarantineSql {

	private static final String RECORD_COLUMNS = "id, create_time, kafka_topic, kafka_key, kafka_value,"
			+ " kafka_header_keys, kafka_header_values";

	private static final String QUARANTINE_COLUMNS = RECORD_COLUMNS + ", leader_id, attempts, first_failure_time,"
			+ " last_failure_time, last_error, error_class, policy, quarantined_at, released_at";

	/** Parameters: attempts, first and last failure time, error, error class, policy, released. */
	private static final String ENTRY_VALUES = "CAST(? AS INT), CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ),"
			+ " CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), now(), CASE WHEN CAST(? AS BOOLEAN) THEN now() END";

	private static final String EXACT_KEY = "kafka_topic = ? AND kafka_key = ?";

	// A malformed row's NULL topic or key reads as empty text (see OutboxRowReader), so an
	// empty topic or key must match NULL as well. Only then is the index-defeating form used.
	private static final String NULL_SAFE_KEY = "COALESCE(kafka_topic, '') = ? AND COALESCE(kafka_key, '') = ?";

	private final String quarantine;

	private final KeyedSql park;

	private final String heldKeys;

	private final String list;

	private final String listHeldKeys;

	private final String retry;

	private final KeyedSql release;

	private final KeyedSql replay;

	/**
	 * Creates the statements.
	 * @param outbox the outbox table
	 * @param binaryValue whether the outbox's {@code kafka_value} is {@code BYTEA} rather
	 * than text
	 */
	QuarantineSql(OutboxTable outbox, boolean binaryValue) {
		String outboxTable = outbox.sql();
		String quarantineTable = outbox.quarantine().sql();
		String leaderTable = SchemaScript.leaderTable(outbox).sql();
		String valueIn = binaryValue ? "kafka_value" : "convert_to(kafka_value, 'UTF8')";
		String valueOut = binaryValue ? "kafka_value" : "convert_from(kafka_value, 'UTF8')";
		String leader = "leader AS (SELECT epoch FROM " + leaderTable + " WHERE group_id = ? FOR SHARE)";
		String currentEpoch = "(SELECT epoch FROM leader) AS current_epoch";
		String insertQuarantined = "quarantined AS (INSERT INTO " + quarantineTable + " (" + QUARANTINE_COLUMNS + ")"
				+ " SELECT id, create_time, kafka_topic, kafka_key, " + valueIn + ", kafka_header_keys,"
				+ " kafka_header_values, leader_id, " + ENTRY_VALUES + " FROM moved ORDER BY id RETURNING id)";
		String movedIds = "ARRAY(SELECT id FROM quarantined ORDER BY id) AS ids";
		// As in marking: FOR SHARE on the group's epoch row makes an epoch acquisition wait
		// for this move and this move wait for an acquisition in progress, and then see its
		// epoch; with a stale epoch the uncorrelated EXISTS is false and no row is touched.
		// Sub-selects see the tables as they were before the statement, so "already" tells a
		// row moved by an earlier statement from one moved by this one.
		String epochHolds = "EXISTS (SELECT 1 FROM leader WHERE epoch = ?)";
		this.quarantine = "WITH " + leader + ", already AS (SELECT EXISTS (SELECT 1 FROM " + quarantineTable
				+ " WHERE id = ?) AS moved), moved AS (DELETE FROM " + outboxTable + " WHERE id = ? AND " + epochHolds
				+ " RETURNING " + RECORD_COLUMNS + ", leader_id), " + insertQuarantined + ", unmarked AS (UPDATE "
				+ outboxTable + " SET leader_id = NULL WHERE id = ANY (?) AND " + epochHolds
				+ " AND (EXISTS (SELECT 1 FROM quarantined) OR (SELECT moved FROM already)) RETURNING id)"
				+ " SELECT " + currentEpoch + ", " + movedIds + ", (SELECT moved FROM already) AS already_moved,"
				+ " (SELECT count(*) FROM unmarked) AS unmarked";
		// The rows are locked in id order, as marking locks them. Whether the key is still
		// held is read once, so that the rows either all move or all lose their leader id.
		this.park = keyed((keyMatch) -> "WITH " + leader + ", held AS (SELECT EXISTS (SELECT 1 FROM "
				+ quarantineTable + " WHERE released_at IS NULL AND " + keyMatch + ") AS held),"
				+ " moved AS (DELETE FROM " + outboxTable + " WHERE id = ANY (ARRAY(SELECT id FROM " + outboxTable
				+ " WHERE id = ANY (?) ORDER BY id FOR UPDATE)) AND " + epochHolds + " AND (SELECT held FROM held)"
				+ " RETURNING " + RECORD_COLUMNS + ", leader_id), " + insertQuarantined + ", unmarked AS (UPDATE "
				+ outboxTable + " SET leader_id = NULL WHERE id = ANY (?) AND " + epochHolds
				+ " AND NOT (SELECT held FROM held) RETURNING id) SELECT " + currentEpoch + ", " + movedIds
				+ ", (SELECT held FROM held) AS held, (SELECT count(*) FROM unmarked) AS unmarked");
		// Rows quarantined with SKIP_RECORD are released when they are inserted, so every
		// unreleased row holds its key and the partial index finds them.
		this.heldKeys = "SELECT kafka_topic, kafka_key, bool_or(policy = 'PARK_KEY') AS parked FROM "
				+ quarantineTable + " WHERE released_at IS NULL GROUP BY kafka_topic, kafka_key";
		this.list = "SELECT total.row_count, page.* FROM (SELECT count(*) AS row_count FROM " + quarantineTable
				+ ") AS total LEFT JOIN (SELECT id, create_time, kafka_topic, kafka_key,"
				+ " octet_length(kafka_value) AS value_size, kafka_header_keys, attempts, first_failure_time,"
				+ " last_failure_time, last_error, error_class, policy, quarantined_at, released_at FROM "
				+ quarantineTable + " ORDER BY id LIMIT ? OFFSET ?) AS page ON TRUE ORDER BY page.id";
		this.listHeldKeys = "SELECT COALESCE(kafka_topic, '') AS topic, COALESCE(kafka_key, '') AS key,"
				+ " count(*) AS row_count, min(id) AS oldest_id, (array_agg(policy ORDER BY id))[1] AS policy,"
				+ " min(quarantined_at) AS held_since FROM " + quarantineTable + " WHERE released_at IS NULL"
				+ " GROUP BY 1, 2 ORDER BY oldest_id LIMIT ? OFFSET ?";
		// OVERRIDING SYSTEM VALUE lets the original id back in when the outbox's id is an
		// identity column rather than a serial; it changes nothing otherwise.
		String insertRestored = "restored AS (INSERT INTO " + outboxTable + " (" + RECORD_COLUMNS + ")"
				+ " OVERRIDING SYSTEM VALUE SELECT id, create_time, kafka_topic, kafka_key, " + valueOut
				+ ", kafka_header_keys, kafka_header_values FROM moved ORDER BY id RETURNING id)";
		// The sub-select on the quarantine table sees it as it was before the DELETE, hence
		// the retried row is excluded by id.
		this.retry = "WITH moved AS (DELETE FROM " + quarantineTable + " WHERE id = ? RETURNING " + RECORD_COLUMNS
				+ "), " + insertRestored + " SELECT m.id, m.kafka_topic, m.kafka_key, EXISTS (SELECT 1 FROM "
				+ quarantineTable + " q WHERE q.released_at IS NULL AND q.id <> m.id"
				+ " AND COALESCE(q.kafka_topic, '') = COALESCE(m.kafka_topic, '')"
				+ " AND COALESCE(q.kafka_key, '') = COALESCE(m.kafka_key, '')) AS key_held,"
				+ " (SELECT count(*) FROM restored) AS restored FROM moved m";
		this.release = keyed((keyMatch) -> "WITH released AS (UPDATE " + quarantineTable
				+ " SET released_at = now() WHERE released_at IS NULL AND " + keyMatch
				+ " RETURNING id) SELECT id FROM released ORDER BY id");
		this.replay = keyed((keyMatch) -> "WITH moved AS (DELETE FROM " + quarantineTable + " WHERE " + keyMatch
				+ " RETURNING " + RECORD_COLUMNS + "), " + insertRestored + " SELECT id FROM restored ORDER BY id");
	}

	private static KeyedSql keyed(Function<String, String> statement) {
		return new KeyedSql(statement.apply(EXACT_KEY), statement.apply(NULL_SAFE_KEY));
	}

	/**
	 * Moves one row and unmarks others. Parameters: group, id, id, epoch, the entry's seven,
	 * the ids to unmark, epoch.
	 * @return the statement
	 */
	String quarantine() {
		return this.quarantine;
	}

	/**
	 * Moves rows of a parked key, or unmarks them when the key is no longer held. Parameters:
	 * group, topic, key, the ids, epoch, the entry's seven, the ids, epoch.
	 * @param topic the topic
	 * @param key the key
	 * @return the statement
	 */
	String park(String topic, String key) {
		return this.park.forKey(topic, key);
	}

	/**
	 * Reads the held keys. No parameters.
	 * @return the statement
	 */
	String heldKeys() {
		return this.heldKeys;
	}

	/**
	 * Lists rows. Parameters: limit, offset.
	 * @return the statement
	 */
	String list() {
		return this.list;
	}

	/**
	 * Lists held keys. Parameters: limit, offset.
	 * @return the statement
	 */
	String listHeldKeys() {
		return this.listHeldKeys;
	}

	/**
	 * Moves one row back. Parameters: id.
	 * @return the statement
	 */
	String retry() {
		return this.retry;
	}

	/**
	 * Releases a key. Parameters: topic, key.
	 * @param topic the topic
	 * @param key the key
	 * @return the statement
	 */
	String release(String topic, String key) {
		return this.release.forKey(topic, key);
	}

	/**
	 * Moves a key's rows back. Parameters: topic, key.
	 * @param topic the topic
	 * @param key the key
	 * @return the statement
	 */
	String replay(String topic, String key) {
		return this.replay.forKey(topic, key);
	}

	/**
	 * A statement that selects rows by key, in two forms: an exact match that indexes can
	 * serve, and one that also matches the NULL topic or key of malformed rows.
	 */
	private record KeyedSql(String exact, String nullSafe) {

		String forKey(String topic, String key) {
			return (topic.isEmpty() || key.isEmpty()) ? this.nullSafe : this.exact;
		}

	}

}
