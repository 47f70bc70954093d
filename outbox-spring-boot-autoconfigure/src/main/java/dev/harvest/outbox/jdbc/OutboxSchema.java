package dev.harvest.outbox.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.util.Assert;

import dev.harvest.outbox.jdbc.SchemaScript.TableStatement;

/**
 * Checks and creates the tables Harvest works with: the outbox, the leader epoch table
 * {@code harvest_leader} and the quarantine table, following the recommended DDL in
 * {@code schema-postgresql.sql}.
 */
public final class OutboxSchema {

	private static final Log logger = LogFactory.getLog(OutboxSchema.class);

	private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

	private static final String EXISTS_SQL = "SELECT to_regclass(?) IS NOT NULL";

	private static final String COLUMNS_SQL = "SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod)"
			+ " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
			+ " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped";

	private static final List<String> REQUIRED_COLUMNS = List.of("id", "create_time", "kafka_topic", "kafka_key",
			"kafka_value", "kafka_header_keys", "kafka_header_values", "leader_id");

	private static final Map<String, Set<String>> REQUIRED_TYPES = Map.of("id", Set.of("int8", "int4", "int2"),
			"kafka_header_keys", Set.of("_text", "_varchar", "_bpchar"), "kafka_header_values",
			Set.of("_text", "_varchar", "_bpchar"), "leader_id", Set.of("uuid"));

	private static final Map<String, String> EXPECTED_TYPE_NAMES = Map.of("id", "bigint", "kafka_header_keys",
			"text[]", "kafka_header_values", "text[]", "leader_id", "uuid");

	private final AutonomousTransaction transaction;

	private final OutboxTable table;

	private final SchemaScript script;

	/**
	 * Creates a schema for an outbox table.
	 * @param dataSource the database of the outbox
	 * @param table the outbox table
	 */
	public OutboxSchema(DataSource dataSource, OutboxTable table) {
		Assert.notNull(table, "'table' must not be null");
		this.transaction = new AutonomousTransaction(dataSource, QUERY_TIMEOUT);
		this.table = table;
		this.script = SchemaScript.load(SchemaScript.RECOMMENDED, table);
	}

	/**
	 * Checks that the outbox table exists with goharvest's columns, and creates the leader
	 * epoch table if it is missing.
	 * @throws OutboxTableMissingException when the outbox table is missing or incomplete
	 * @throws IllegalStateException when the leader epoch table cannot be created
	 */
	public void verify() {
		if (!exists(this.table)) {
			throw new OutboxTableMissingException(this.table, ddl());
		}
		List<String> problems = columnProblems();
		if (!problems.isEmpty()) {
			throw new OutboxTableMissingException(this.table, problems, ddl());
		}
		TableStatement leader = this.script.statementCreating(SchemaScript.leaderTable(this.table));
		try {
			createIfMissing(leader);
		}
		catch (DataAccessException ex) {
			throw new IllegalStateException("Could not create Harvest's leader epoch table " + leader.table().sql()
					+ ", which fences statements of former leaders: " + ex.getMostSpecificCause().getMessage()
					+ ". Create it with the DDL below, or grant the application's database user CREATE on the"
					+ " schema.\n\n" + leader.sql() + ";\n", ex);
		}
	}

	/**
	 * Creates the outbox, leader epoch and quarantine tables with the recommended DDL where
	 * they do not exist yet. Existing tables are left as they are.
	 * @throws IllegalStateException when a table cannot be created
	 */
	public void initialize() {
		for (TableStatement statement : this.script.statements()) {
			try {
				createIfMissing(statement);
			}
			catch (DataAccessException ex) {
				throw new IllegalStateException("Could not create table " + statement.table().sql() + ": "
						+ ex.getMostSpecificCause().getMessage() + ". Create the tables with the DDL below (for"
						+ " example in a migration) and set " + OutboxTableMissingException.INITIALIZE_PROPERTY
						+ "=false.\n\n" + ddl(), ex);
			}
		}
	}

	/**
	 * Returns the recommended DDL for this outbox table, as an operator would run it.
	 * @return the DDL
	 */
	public String ddl() {
		return this.script.text();
	}

	private void createIfMissing(TableStatement statement) {
		// Checking first means an existing table needs no CREATE privilege on its schema.
		if (exists(statement.table())) {
			return;
		}
		try {
			this.transaction.run("create table " + statement.table(), statement.sql(), (connection) -> {
				try (PreparedStatement create = this.transaction.prepare(connection, statement.sql())) {
					return create.execute();
				}
			});
			logger.info("Created table " + statement.table().sql());
		}
		catch (DataAccessException ex) {
			// Instances starting together race on CREATE TABLE IF NOT EXISTS; losing is fine.
			if (!exists(statement.table())) {
				throw ex;
			}
		}
	}

	private boolean exists(OutboxTable table) {
		return this.transaction.run("check table " + table, EXISTS_SQL, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, EXISTS_SQL)) {
				statement.setString(1, table.sql());
				try (ResultSet result = statement.executeQuery()) {
					return result.next() && result.getBoolean(1);
				}
			}
		});
	}

	private List<String> columnProblems() {
		Map<String, String[]> columns = this.transaction.run("read columns of " + this.table, COLUMNS_SQL,
				(connection) -> {
					try (PreparedStatement statement = this.transaction.prepare(connection, COLUMNS_SQL)) {
						statement.setString(1, this.table.sql());
						Map<String, String[]> found = new LinkedHashMap<>();
						try (ResultSet result = statement.executeQuery()) {
							while (result.next()) {
								found.put(result.getString(1), new String[] { result.getString(2), result.getString(3) });
							}
						}
						return found;
					}
				});
		List<String> problems = new ArrayList<>();
		for (String column : REQUIRED_COLUMNS) {
			String[] type = columns.get(column);
			if (type == null) {
				problems.add("column " + column + " is missing");
			}
			else if (REQUIRED_TYPES.containsKey(column) && !REQUIRED_TYPES.get(column).contains(type[0])) {
				problems.add("column " + column + " is " + type[1] + " but must be " + EXPECTED_TYPE_NAMES.get(column));
			}
		}
		return problems;
	}

}
