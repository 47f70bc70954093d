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

/**
 * A DDL script shipped as a resource of this package, rendered for one outbox table. Its
 * placeholders {@code ${outbox}}, {@code ${leader}} and {@code ${quarantine}} become quoted
 * table names; each statement creates one table.
 */
final class SchemaScript {

	/** Harvest's recommended schema: outbox, leader epoch and quarantine tables. */
	static final String RECOMMENDED = "schema-postgresql.sql";

	/** goharvest's outbox table, exactly as goharvest documents it. */
	static final String GOHARVEST = "schema-goharvest.sql";

	private static final String LEADER_TABLE_NAME = "harvest_leader";

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");

	private static final Pattern CREATE_TABLE = Pattern.compile("CREATE TABLE IF NOT EXISTS \\$\\{(\\w+)}");

	private final String text;

	private final List<TableStatement> statements;

	private SchemaScript(String text, List<TableStatement> statements) {
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
		Map<String, OutboxTable> tables = Map.of("outbox", outbox, "leader", leaderTable(outbox), "quarantine",
				outbox.quarantine());
		String template = read(resource);
		List<TableStatement> statements = new ArrayList<>();
		for (String chunk : template.split(";\\s*(\\R|$)")) {
			String sql = withoutComments(chunk);
			if (sql.isEmpty()) {
				continue;
			}
			Matcher creates = CREATE_TABLE.matcher(sql);
			if (!creates.find()) {
				throw new IllegalStateException("Every statement of " + resource
						+ " must start with CREATE TABLE IF NOT EXISTS ${table}: " + sql);
			}
			statements.add(new TableStatement(table(tables, creates.group(1), resource), render(sql, tables, resource)));
		}
		return new SchemaScript(render(template, tables, resource).strip() + "\n", List.copyOf(statements));
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
	List<TableStatement> statements() {
		return this.statements;
	}

	/**
	 * Returns the statement that creates a table.
	 * @param table the table
	 * @return its statement
	 */
	TableStatement statementCreating(OutboxTable table) {
		return this.statements.stream()
			.filter((statement) -> statement.table().equals(table))
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

	private static String render(String template, Map<String, OutboxTable> tables, String resource) {
		Matcher placeholders = PLACEHOLDER.matcher(template);
		StringBuilder rendered = new StringBuilder();
		while (placeholders.find()) {
			String name = table(tables, placeholders.group(1), resource).sql();
			placeholders.appendReplacement(rendered, Matcher.quoteReplacement(name));
		}
		placeholders.appendTail(rendered);
		return rendered.toString();
	}

	private static OutboxTable table(Map<String, OutboxTable> tables, String placeholder, String resource) {
		OutboxTable table = tables.get(placeholder);
		if (table == null) {
			throw new IllegalStateException("Unknown placeholder ${" + placeholder + "} in " + resource);
		}
		return table;
	}

	/**
	 * One rendered statement of the script and the table it creates.
	 *
	 * @param table the table the statement creates
	 * @param sql the statement, without a trailing semicolon
	 */
	record TableStatement(OutboxTable table, String sql) {
	}

}
