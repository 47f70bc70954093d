package dev.harvest.outbox.jdbc;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;

/**
 * Reads outbox rows from a result set with goharvest's column names. The value is read as
 * bytes from a binary column and as UTF-8 text from any other, so both goharvest's
 * {@code VARCHAR} table and the recommended {@code BYTEA} table work. A malformed row
 * becomes a defective {@link OutboxRow} rather than an exception, so that one bad row never
 * stops a batch.
 */
final class OutboxRowReader {

	private final boolean binaryValue;

	private OutboxRowReader(boolean binaryValue) {
		this.binaryValue = binaryValue;
	}

	/**
	 * Creates a reader for a result set, looking at the type of its {@code kafka_value}
	 * column.
	 * @param resultSet the result set
	 * @return a reader
	 * @throws SQLException on database errors
	 */
	static OutboxRowReader forResultSet(ResultSet resultSet) throws SQLException {
		int type = resultSet.getMetaData().getColumnType(resultSet.findColumn("kafka_value"));
		return new OutboxRowReader(isBinary(type));
	}

	private static boolean isBinary(int type) {
		return type == Types.BINARY || type == Types.VARBINARY || type == Types.LONGVARBINARY || type == Types.BLOB;
	}

	/**
	 * Reads the row the result set is on.
	 * @param resultSet the result set
	 * @return the row, defective when it cannot be published as stored
	 * @throws SQLException on database errors
	 */
	OutboxRow read(ResultSet resultSet) throws SQLException {
		long id = resultSet.getLong("id");
		Timestamp createTime = resultSet.getTimestamp("create_time");
		String topic = resultSet.getString("kafka_topic");
		String key = resultSet.getString("kafka_key");
		byte[] value = readValue(resultSet);
		Headers headers = Headers.of(array(resultSet, "kafka_header_keys"), array(resultSet, "kafka_header_values"));
		List<String> defects = new ArrayList<>();
		if (topic == null) {
			defects.add("kafka_topic is NULL");
		}
		if (key == null) {
			defects.add("kafka_key is NULL");
		}
		if (headers.defect() != null) {
			defects.add(headers.defect());
		}
		OutboxRecord record = new OutboxRecord((topic != null) ? topic : "", (key != null) ? key : "", value,
				defects.isEmpty() ? headers.headers() : List.of());
		String defect = defects.isEmpty() ? null : "Outbox row " + id + " is malformed: " + String.join("; ", defects);
		// create_time is NOT NULL in both schemas and only feeds latency metrics, so a table
		// that allows NULL does not make the row unpublishable.
		Instant created = (createTime != null) ? createTime.toInstant() : Instant.EPOCH;
		return new OutboxRow(id, created, record, defect);
	}

	private byte @Nullable [] readValue(ResultSet resultSet) throws SQLException {
		if (this.binaryValue) {
			return resultSet.getBytes("kafka_value");
		}
		String text = resultSet.getString("kafka_value");
		return (text != null) ? text.getBytes(StandardCharsets.UTF_8) : null;
	}

	private static Object @Nullable [] array(ResultSet resultSet, String column) throws SQLException {
		Array array = resultSet.getArray(column);
		if (array == null) {
			return null;
		}
		try {
			return (Object[]) array.getArray();
		}
		finally {
			array.free();
		}
	}

	/**
	 * The headers of a row, or why its header arrays cannot be paired up.
	 *
	 * @param headers the headers in order; empty when defective
	 * @param defect what is wrong with the arrays, or {@code null}
	 */
	record Headers(List<OutboxHeader> headers, @Nullable String defect) {

		/**
		 * Pairs up goharvest's two header arrays. A NULL array counts as empty, as it did
		 * for goharvest's driver.
		 * @param keys the keys
		 * @param values the values
		 * @return the headers, or the defect
		 */
		static Headers of(Object @Nullable [] keys, Object @Nullable [] values) {
			int keyCount = (keys != null) ? keys.length : 0;
			int valueCount = (values != null) ? values.length : 0;
			if (keyCount != valueCount) {
				return defective("unequal number of header keys (" + keyCount + ") and values (" + valueCount + ")");
			}
			List<OutboxHeader> headers = new ArrayList<>(keyCount);
			for (int i = 0; i < keyCount; i++) {
				Object key = keys[i];
				Object value = values[i];
				if (key == null) {
					return defective("header key " + (i + 1) + " is NULL");
				}
				if (value == null) {
					return defective("value of header " + (i + 1) + " ('" + key + "') is NULL");
				}
				headers.add(new OutboxHeader(key.toString(), value.toString()));
			}
			return new Headers(List.copyOf(headers), null);
		}

		private static Headers defective(String defect) {
			return new Headers(List.of(), defect);
		}

	}

}
