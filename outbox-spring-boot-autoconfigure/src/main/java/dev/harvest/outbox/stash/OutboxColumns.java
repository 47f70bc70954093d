package dev.harvest.outbox.stash;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.jdbc.core.JdbcOperations;

import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * The outbox table's columns as the catalog describes them: how long the text in each may be
 * and whether values are stored as bytes or as text. Read once per stasher, because both
 * goharvest's table ({@code kafka_value VARCHAR(10000)}) and Harvest's ({@code BYTEA}) must
 * work.
 *
 * @param table the outbox table
 * @param topic the {@code kafka_topic} column
 * @param key the {@code kafka_key} column
 * @param value the {@code kafka_value} column
 * @param headerKeys the {@code kafka_header_keys} column (its elements' limit)
 * @param headerValues the {@code kafka_header_values} column (its elements' limit)
 */
record OutboxColumns(OutboxTable table, Column topic, Column key, Column value, Column headerKeys,
		Column headerValues) {

	// to_regclass resolves the quoted name exactly as the INSERT will: through the schema
	// when one is given, otherwise through the connection's search path.
	private static final String COLUMNS_QUERY = """
			SELECT a.attname, t.typname, a.atttypmod, format_type(a.atttypid, a.atttypmod)
			FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
			WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped""";

	private static final Set<String> LENGTH_LIMITED_TYPES = Set.of("varchar", "bpchar", "_varchar", "_bpchar");

	private static final Set<String> TEXT_TYPES = Set.of("text", "varchar", "bpchar");

	private static final List<String> WRITTEN_COLUMNS = List.of("create_time", "kafka_topic", "kafka_key",
			"kafka_value", "kafka_header_keys", "kafka_header_values");

	/**
	 * Reads the columns of the outbox table from the catalog.
	 * @param jdbc where to read them
	 * @param table the outbox table
	 * @return the columns
	 * @throws IllegalStateException when the table or one of the columns the stasher writes
	 * is missing, or {@code kafka_value} has a type the stasher cannot write
	 */
	static OutboxColumns read(JdbcOperations jdbc, OutboxTable table) {
		Map<String, Column> columns = new HashMap<>();
		jdbc.query(COLUMNS_QUERY, (rs) -> {
			String name = rs.getString(1);
			String type = rs.getString(2);
			int modifier = rs.getInt(3);
			int maxLength = (LENGTH_LIMITED_TYPES.contains(type) && modifier > 4) ? modifier - 4 : Column.UNLIMITED;
			columns.put(name, new Column(name, rs.getString(4), "bytea".equals(type), TEXT_TYPES.contains(type),
					maxLength));
		}, table.sql());
		if (columns.isEmpty()) {
			String searchPath = jdbc.queryForObject("SELECT array_to_string(current_schemas(false), ', ')",
					String.class);
			throw new IllegalStateException("Outbox table " + table + " does not exist"
					+ ((table.schema() == null) ? " in the search path (" + searchPath + ")" : "")
					+ "; create it with Harvest's schema script (harvest.schema.initialize=true) or your migrations");
		}
		for (String name : WRITTEN_COLUMNS) {
			if (!columns.containsKey(name)) {
				throw new IllegalStateException("Outbox table " + table + " has no column " + name
						+ "; it needs goharvest's columns " + WRITTEN_COLUMNS);
			}
		}
		Column value = columns.get("kafka_value");
		if (!value.binary() && !value.text()) {
			throw new IllegalStateException("Column kafka_value of outbox table " + table + " is " + value.type()
					+ "; it must be bytea (recommended) or text/varchar");
		}
		return new OutboxColumns(table, columns.get("kafka_topic"), columns.get("kafka_key"), value,
				columns.get("kafka_header_keys"), columns.get("kafka_header_values"));
	}

	/**
	 * One column of the outbox table.
	 *
	 * @param name the column name
	 * @param type the type as PostgreSQL formats it, e.g. {@code character varying(100)}
	 * @param binary whether the column is {@code bytea}
	 * @param text whether the column is {@code text}, {@code varchar} or {@code char}
	 * @param maxLength the most characters a value (or array element) may have, or
	 * {@link #UNLIMITED}
	 */
	record Column(String name, String type, boolean binary, boolean text, int maxLength) {

		static final int UNLIMITED = -1;

		boolean limited() {
			return this.maxLength != UNLIMITED;
		}

	}

}
