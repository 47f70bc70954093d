package dev.harvest.outbox.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The columns of a table as the PostgreSQL catalog describes them, in table order; empty
 * when the table does not exist.
 */
final class TableColumns {

	private static final String COLUMNS_SQL = "SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod)"
			+ " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
			+ " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

	private final Map<String, Column> columns;

	private TableColumns(Map<String, Column> columns) {
		this.columns = Collections.unmodifiableMap(columns);
	}

	/**
	 * Reads the columns of a table.
	 * @param transaction how to reach the database
	 * @param table the table
	 * @return its columns
	 */
	static TableColumns read(AutonomousTransaction transaction, OutboxTable table) {
		return transaction.run("read columns of " + table, COLUMNS_SQL, (connection) -> {
			try (PreparedStatement statement = transaction.prepare(connection, COLUMNS_SQL)) {
				statement.setString(1, table.sql());
				Map<String, Column> found = new LinkedHashMap<>();
				try (ResultSet result = statement.executeQuery()) {
					while (result.next()) {
						Column column = new Column(result.getString(1), result.getString(2), result.getString(3));
						found.put(column.name(), column);
					}
				}
				return new TableColumns(found);
			}
		});
	}

	/**
	 * Returns a column.
	 * @param name the column name
	 * @return the column, or {@code null} when the table has no such column
	 */
	@Nullable Column get(String name) {
		return this.columns.get(name);
	}

	/**
	 * Returns whether the table has a column.
	 * @param name the column name
	 * @return whether it exists
	 */
	boolean contains(String name) {
		return this.columns.containsKey(name);
	}

	/**
	 * A column of a table.
	 *
	 * @param name the column name
	 * @param typeName the internal type name, e.g. {@code int8}, {@code _text} or {@code bytea}
	 * @param displayType the type as SQL would write it, e.g. {@code character varying(10000)}
	 */
	record Column(String name, String typeName, String displayType) {
	}

}
