package dev.harvest.outbox.stash;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.JdbcOperations;

/**
 * An outbox row as the database holds it, read back by tests.
 *
 * @param topic the {@code kafka_topic} column
 * @param key the {@code kafka_key} column
 * @param value the {@code kafka_value} column: a {@code String} on a text table, a
 * {@code byte[]} on a bytea table, or {@code null}
 * @param headerKeys the {@code kafka_header_keys} column
 * @param headerValues the {@code kafka_header_values} column
 * @param hasCreateTime whether {@code create_time} is set
 * @param hasLeaderId whether {@code leader_id} is set
 */
record StoredRow(String topic, String key, @Nullable Object value, List<String> headerKeys,
		List<String> headerValues, boolean hasCreateTime, boolean hasLeaderId) {

	/**
	 * Reads all rows of an outbox table in id order.
	 * @param jdbc where to read
	 * @param table the table name as it goes into SQL
	 * @return the rows
	 */
	static List<StoredRow> readAll(JdbcOperations jdbc, String table) {
		return jdbc.query("SELECT kafka_topic, kafka_key, kafka_value, kafka_header_keys, kafka_header_values, "
				+ "create_time IS NOT NULL, leader_id IS NOT NULL FROM " + table + " ORDER BY id",
				(rs, rowNum) -> new StoredRow(rs.getString(1), rs.getString(2), rs.getObject(3), strings(rs, 4),
						strings(rs, 5), rs.getBoolean(6), rs.getBoolean(7)));
	}

	static int count(JdbcOperations jdbc, String table) {
		Integer count = jdbc.queryForObject("SELECT count(*) FROM " + table, Integer.class);
		return (count != null) ? count : 0;
	}

	/**
	 * Returns the value as UTF-8 text whichever way it is stored.
	 * @return the text, or {@code null} for a tombstone
	 */
	@Nullable String valueText() {
		return (this.value instanceof byte[] bytes) ? new String(bytes, StandardCharsets.UTF_8) : (String) this.value;
	}

	private static List<String> strings(ResultSet rs, int column) throws SQLException {
		Array array = rs.getArray(column);
		return Arrays.asList((String[]) array.getArray());
	}

}
