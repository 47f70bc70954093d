package dev.harvest.outbox.jdbc;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.InvalidLimitException;

/**
 * The name of an outbox table, optionally schema-qualified, validated as SQL identifiers and
 * always quoted when put into SQL, so that no unchecked text reaches a statement.
 *
 * @param schema the schema, or {@code null} for the connection's search path
 * @param table the table name
 */
public record OutboxTable(@Nullable String schema, String table) {

	private static final int MAX_CHANNEL_LENGTH = 63;

	private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_$]{0,62}");

	public OutboxTable {
		if (schema != null) {
			requireIdentifier("schema", schema);
		}
		requireIdentifier("table", table);
	}

	/**
	 * Parses {@code table} or {@code schema.table}. Names are case-sensitive as written, which
	 * matches PostgreSQL's folding for the usual lower-case names.
	 * @param qualifiedName the name
	 * @return the table
	 * @throws InvalidLimitException when the name is not a plain identifier
	 */
	public static OutboxTable of(String qualifiedName) {
		if (qualifiedName == null || qualifiedName.isBlank()) {
			throw new InvalidLimitException("outboxTable", qualifiedName, "must not be blank");
		}
		int dot = qualifiedName.indexOf('.');
		if (dot < 0) {
			return new OutboxTable(null, qualifiedName);
		}
		if (qualifiedName.indexOf('.', dot + 1) >= 0) {
			throw new InvalidLimitException("outboxTable", qualifiedName,
					"must be 'table' or 'schema.table' with at most one dot");
		}
		return new OutboxTable(qualifiedName.substring(0, dot), qualifiedName.substring(dot + 1));
	}

	private static void requireIdentifier(String part, String value) {
		if (value == null || !IDENTIFIER.matcher(value).matches()) {
			throw new InvalidLimitException("outboxTable", value, "has an invalid " + part
					+ " name: use 1 to 63 letters, digits, '_' or '$', starting with a letter or '_'");
		}
	}

	/**
	 * Returns the quoted, possibly qualified name for use in SQL.
	 * @return e.g. {@code "app"."outbox"}
	 */
	public String sql() {
		return (this.schema != null) ? quote(this.schema) + "." + quote(this.table) : quote(this.table);
	}

	/**
	 * Returns a sibling table in the same schema, e.g. the quarantine table.
	 * @param suffix appended to the table name
	 * @return the sibling
	 */
	public OutboxTable sibling(String suffix) {
		return new OutboxTable(this.schema, this.table + suffix);
	}

	/**
	 * Returns another table in the same schema.
	 * @param name the other table's name
	 * @return the table
	 */
	public OutboxTable inSameSchema(String name) {
		return new OutboxTable(this.schema, name);
	}

	/**
	 * Returns the quarantine table, {@code <outbox>_quarantine}.
	 * @return the quarantine table
	 */
	public OutboxTable quarantine() {
		return sibling("_quarantine");
	}

	/**
	 * Returns the LISTEN/NOTIFY channel for this table: {@code harvest.} followed by its
	 * qualified name in lower case, so that writers and the harvester agree on it. PostgreSQL
	 * limits channel names to 63 bytes; a longer name keeps its first 46 characters followed by
	 * {@code _} and the CRC-32 of the whole name in hex.
	 * @return the channel name
	 */
	public String notificationChannel() {
		String name = (this.schema != null) ? this.schema + "." + this.table : this.table;
		String channel = ("harvest." + name).toLowerCase(Locale.ROOT);
		if (channel.length() <= MAX_CHANNEL_LENGTH) {
			return channel;
		}
		CRC32 crc = new CRC32();
		crc.update(channel.getBytes(StandardCharsets.UTF_8));
		String suffix = "_" + String.format("%08x", crc.getValue());
		return channel.substring(0, MAX_CHANNEL_LENGTH - suffix.length()) + suffix;
	}

	@Override
	public String toString() {
		return (this.schema != null) ? this.schema + "." + this.table : this.table;
	}

	private static String quote(String identifier) {
		return "\"" + identifier + "\"";
	}

}
