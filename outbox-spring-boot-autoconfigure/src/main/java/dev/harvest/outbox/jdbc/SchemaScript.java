package dev.harvest.outbox.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

import org.jspecify.annotations.Nullable;

/**
 * A DDL script shipped as a resource of this package, rendered for one outbox table. Its
 * placeholders {@code ${outbox}}, {@code ${leader}} and {@code ${quarantine}} become quoted
 * table names and {@code ${quarantine_held_index}} a quoted index name. Each statement
 * creates a table, adds a column to one or creates an index, always idempotently.
 */
final class SchemaScript {

	/** Harvest's recommended schema: outbox, leader epoch and quarantine tables. */
	static final String RECOMMENDED = "schema-postgresql.sql";

	/** goharvest's outbox table, exactly as goharvest documents it. */
	static final String GOHARVEST = "schema-goharvest.sql";

	private static final String LEADER_TABLE_NAME = "harvest_leader";

	private static final String HELD_INDEX_SUFFIX = "_held";

	private static final int MAX_IDENTIFIER_LENGTH = 63;

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");

	private static final Pattern CREATE_TABLE = Pattern.compile("^CREATE TABLE IF NOT EXISTS \\$\\{(\\w+)} \\(");

	private static final Pattern ADD_COLUMN = Pattern
		.compile("^ALTER TABLE \\$\\{(\\w+)} ADD COLUMN IF NOT EXISTS (\\w+) [^,;]+$");

	private static final Pattern CREATE_INDEX = Pattern
		.compile("^CREATE INDEX IF NOT EXISTS \\$\\{(\\w+)} ON \\$\\{(\\w+)} ");

	private final String text;

	private final List<Statement> statements;

	private SchemaScript(String text, List<Statement> statements) {
		this.text = text;
		this.statements = statements;
	}

	/**
	 * Loads a script of this package and renders it for an outbox table.
	 * @param resource the resource name, {@link #RECOMMENDED} or {@link #GOHARVEST}
	 * @param outbox the outbox table
	 * @return the rendered script
	 */
	static SchemaScript load(String resource, OutboxTable outbox) {
		Map<String, Name> names = Map.of("outbox", Name.qualified(outbox), "leader",
				Name.qualified(leaderTable(outbox)), "quarantine", Name.qualified(outbox.quarantine()),
				"quarantine_held_index", Name.index(heldKeyIndex(outbox)));
		String template = read(resource);
		List<Statement> statements = new ArrayList<>();
		for (String chunk : template.split(";\\s*(\\R|$)")) {
			String sql = withoutComments(chunk);
			if (!sql.isEmpty()) {
				statements.add(parse(sql, names, resource));
			}
		}
		return new SchemaScript(render(template, names, resource).strip() + "\n", List.copyOf(statements));
	}

	private static Statement parse(String sql, Map<String, Name> names, String resource) {
		String rendered = render(sql, names, resource);
		Matcher createTable = CREATE_TABLE.matcher(sql);
		if (createTable.find()) {
			return new Statement(Kind.CREATE_TABLE, name(names, createTable.group(1), resource).relation(), null,
					null, rendered);
		}
		Matcher addColumn = ADD_COLUMN.matcher(sql);
		if (addColumn.find()) {
			return new Statement(Kind.ADD_COLUMN, name(names, addColumn.group(1), resource).relation(),
					addColumn.group(2), null, rendered);
		}
		Matcher createIndex = CREATE_INDEX.matcher(sql);
		if (createIndex.find()) {
			return new Statement(Kind.CREATE_INDEX, name(names, createIndex.group(2), resource).relation(), null,
					name(names, createIndex.group(1), resource).relation(), rendered);
		}
		throw new IllegalStateException("Every statement of " + resource + " must be CREATE TABLE IF NOT EXISTS"
				+ " ${table} (...), ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS <column> <type> or CREATE INDEX"
				+ " IF NOT EXISTS ${index} ON ${table} ...: " + sql);
	}

	/**
	 * Returns the leader epoch table that belongs to an outbox table.
	 * @param outbox the outbox table
	 * @return {@code harvest_leader} in the outbox's schema
	 */
	static OutboxTable leaderTable(OutboxTable outbox) {
		return outbox.inSameSchema(LEADER_TABLE_NAME);
	}

	/**
	 * Returns the partial index of the quarantine table's unreleased rows, named
	 * {@code <quarantine>_held}. A name longer than PostgreSQL's 63 bytes keeps its start
	 * followed by {@code _} and the CRC-32 of the whole name, so that PostgreSQL never
	 * truncates it and two outboxes in one schema keep distinct indexes.
	 * @param outbox the outbox table
	 * @return the index, in the outbox's schema
	 */
	static OutboxTable heldKeyIndex(OutboxTable outbox) {
		String name = outbox.quarantine().table() + HELD_INDEX_SUFFIX;
		if (name.length() > MAX_IDENTIFIER_LENGTH) {
			CRC32 crc = new CRC32();
			crc.update(name.getBytes(StandardCharsets.UTF_8));
			String suffix = "_" + String.format("%08x", crc.getValue());
			name = name.substring(0, MAX_IDENTIFIER_LENGTH - suffix.length()) + suffix;
		}
		return outbox.inSameSchema(name);
	}

	/**
	 * Returns the whole rendered script, comments included, as a user would run it.
	 * @return the script text
	 */
	String text() {
		return this.text;
	}

	/**
	 * Returns the script's statements without comments, in order.
	 * @return the statements
	 */
	List<Statement> statements() {
		return this.statements;
	}

	/**
	 * Returns the statements that concern a table: its creation, added columns and indexes.
	 * @param table the table
	 * @return its statements in script order
	 */
	List<Statement> statementsFor(OutboxTable table) {
		return this.statements.stream().filter((statement) -> statement.table().equals(table)).toList();
	}

	/**
	 * Returns the statement that creates a table.
	 * @param table the table
	 * @return its statement
	 */
	Statement statementCreating(OutboxTable table) {
		return this.statements.stream()
			.filter((statement) -> statement.kind() == Kind.CREATE_TABLE && statement.table().equals(table))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No statement creates " + table));
	}

	private static String read(String resource) {
		try (InputStream input = SchemaScript.class.getResourceAsStream(resource)) {
			if (input == null) {
				throw new IllegalStateException("Resource " + resource + " is missing next to "
						+ SchemaScript.class.getName() + "; the Harvest jar is incomplete");
			}
			return new String(input.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read " + resource, ex);
		}
	}

	private static String withoutComments(String chunk) {
		StringBuilder sql = new StringBuilder();
		for (String line : chunk.split("\\R")) {
			if (!line.strip().startsWith("--")) {
				sql.append(line).append('\n');
			}
		}
		return sql.toString().strip();
	}

	private static String render(String template, Map<String, Name> names, String resource) {
		Matcher placeholders = PLACEHOLDER.matcher(template);
		StringBuilder rendered = new StringBuilder();
		while (placeholders.find()) {
			String sql = name(names, placeholders.group(1), resource).sql();
			placeholders.appendReplacement(rendered, Matcher.quoteReplacement(sql));
		}
		placeholders.appendTail(rendered);
		return rendered.toString();
	}

	private static Name name(Map<String, Name> names, String placeholder, String resource) {
		Name name = names.get(placeholder);
		if (name == null) {
			throw new IllegalStateException("Unknown placeholder ${" + placeholder + "} in " + resource);
		}
		return name;
	}

	/**
	 * What a statement of the script does.
	 */
	enum Kind {

		/** {@code CREATE TABLE IF NOT EXISTS}. */
		CREATE_TABLE,

		/** {@code ALTER TABLE ... ADD COLUMN IF NOT EXISTS}, for tables created by older scripts. */
		ADD_COLUMN,

		/** {@code CREATE INDEX IF NOT EXISTS}. */
		CREATE_INDEX

	}

	/**
	 * One rendered statement of the script.
	 *
	 * @param kind what the statement does
	 * @param table the table the statement creates or changes, or indexes
	 * @param column the column an {@link Kind#ADD_COLUMN} statement adds
	 * @param index the index a {@link Kind#CREATE_INDEX} statement creates
	 * @param sql the statement, without a trailing semicolon
	 */
	record Statement(Kind kind, OutboxTable table, @Nullable String column, @Nullable OutboxTable index, String sql) {

		/**
		 * Describes what the statement does, for messages.
		 * @return e.g. {@code create table "app"."outbox"}
		 */
		String description() {
			return switch (this.kind) {
				case CREATE_TABLE -> "create table " + this.table.sql();
				case ADD_COLUMN -> "add column " + this.column + " to table " + this.table.sql();
				case CREATE_INDEX -> "create index " + indexSql() + " on table " + this.table.sql();
			};
		}

		/**
		 * Describes what the statement has done, for logs.
		 * @return e.g. {@code Created table "app"."outbox"}
		 */
		String outcome() {
			return switch (this.kind) {
				case CREATE_TABLE -> "Created table " + this.table.sql();
				case ADD_COLUMN -> "Added column " + this.column + " to table " + this.table.sql();
				case CREATE_INDEX -> "Created index " + indexSql() + " on table " + this.table.sql();
			};
		}

		private String indexSql() {
			return (this.index != null) ? this.index.sql() : "";
		}

	}

	/**
	 * What a placeholder stands for: a relation, put into SQL schema-qualified (a table) or
	 * by its bare name (an index, which PostgreSQL creates in its table's schema).
	 *
	 * @param relation the table or index
	 * @param bare whether to leave out the schema
	 */
	private record Name(OutboxTable relation, boolean bare) {

		static Name qualified(OutboxTable table) {
			return new Name(table, false);
		}

		static Name index(OutboxTable index) {
			return new Name(index, true);
		}

		String sql() {
			return this.bare ? new OutboxTable(null, this.relation.table()).sql() : this.relation.sql();
		}

	}

}
