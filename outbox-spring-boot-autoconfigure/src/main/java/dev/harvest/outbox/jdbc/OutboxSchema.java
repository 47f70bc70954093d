package dev.harvest.outbox.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.util.Assert;

import dev.harvest.outbox.jdbc.SchemaScript.Statement;
import dev.harvest.outbox.jdbc.TableColumns.Column;

/**
 * Checks and creates the tables Harvest works with: the outbox, the leader epoch table
 * {@code harvest_leader} and the quarantine table, following the recommended DDL in
 * {@code schema-postgresql.sql}.
 */
public final class OutboxSchema {

	private static final Log logger = LogFactory.getLog(OutboxSchema.class);

	private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

	private static final String EXISTS_SQL = "SELECT to_regclass(?) IS NOT NULL";

	private static final List<String> REQUIRED_COLUMNS = List.of("id", "create_time", "kafka_topic", "kafka_key",
			"kafka_value", "kafka_header_keys", "kafka_header_values", "leader_id");

	private static final Map<String, Set<String>> REQUIRED_TYPES = Map.of("id", Set.of("int8", "int4", "int2"),
			"kafka_value", Set.of("bytea", "text", "varchar"), "kafka_header_keys",
			Set.of("_text", "_varchar", "_bpchar"), "kafka_header_values", Set.of("_text", "_varchar", "_bpchar"),
			"leader_id", Set.of("uuid"));

	private static final Map<String, String> EXPECTED_TYPE_NAMES = Map.of("id", "bigint", "kafka_value",
			"bytea or varchar", "kafka_header_keys", "text[]", "kafka_header_values", "text[]", "leader_id", "uuid");

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
	 * Checks that the outbox table exists with goharvest's columns, and brings Harvest's own
	 * tables, leader epoch and quarantine, up to the recommended DDL where they are missing
	 * or older. Harvest needs both: without a quarantine table a record that cannot be
	 * published could not leave the outbox.
	 * @throws OutboxTableMissingException when the outbox table is missing or incomplete
	 * @throws IllegalStateException when one of Harvest's own tables cannot be created
	 */
	public void verify() {
		if (!exists(this.table)) {
			throw new OutboxTableMissingException(this.table, ddl());
		}
		List<String> problems = columnProblems();
		if (!problems.isEmpty()) {
			throw new OutboxTableMissingException(this.table, problems, ddl());
		}
		ensureHarvestTable(SchemaScript.leaderTable(this.table), "Harvest's leader epoch table",
				"which fences statements of former leaders");
		ensureHarvestTable(this.table.quarantine(), "Harvest's quarantine table",
				"which keeps the rows that could not be published");
	}

	private void ensureHarvestTable(OutboxTable harvestTable, String title, String purpose) {
		List<Statement> statements = this.script.statementsFor(harvestTable);
		for (Statement statement : statements) {
			try {
				applyIfNeeded(statement);
			}
			catch (DataAccessException ex) {
				String sql = statements.stream().map((each) -> each.sql() + ";\n").collect(Collectors.joining());
				throw new IllegalStateException("Could not " + action(statement, title) + ", " + purpose + ": "
						+ ex.getMostSpecificCause().getMessage() + ". Create it with the DDL below, or grant the"
						+ " application's database user CREATE on the schema (and ownership of the table when it"
						+ " exists already).\n\n" + sql, ex);
			}
		}
	}

	private static String action(Statement statement, String title) {
		return switch (statement.kind()) {
			case CREATE_TABLE -> "create " + title + " " + statement.table().sql();
			case ADD_COLUMN -> "add column " + statement.column() + " to " + title + " " + statement.table().sql();
			case CREATE_INDEX -> "create index " + Objects.requireNonNull(statement.index()).sql() + " on " + title
					+ " " + statement.table().sql();
		};
	}

	/**
	 * Creates the outbox, leader epoch and quarantine tables with the recommended DDL where
	 * they do not exist yet, and adds the columns and indexes that tables created by an
	 * older version of the DDL lack. Existing tables are otherwise left as they are.
	 * @throws IllegalStateException when a table, column or index cannot be created
	 */
	public void initialize() {
		for (Statement statement : this.script.statements()) {
			try {
				applyIfNeeded(statement);
			}
			catch (DataAccessException ex) {
				throw new IllegalStateException("Could not " + statement.description() + ": "
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

	private void applyIfNeeded(Statement statement) {
		// Checking first means that existing tables, columns and indexes need no CREATE
		// privilege on the schema nor ownership of the table.
		if (isApplied(statement)) {
			return;
		}
		try {
			this.transaction.run(statement.description(), statement.sql(), (connection) -> {
				try (PreparedStatement apply = this.transaction.prepare(connection, statement.sql())) {
					return apply.execute();
				}
			});
			logger.info(statement.outcome());
		}
		catch (DataAccessException ex) {
			// Instances starting together race on the idempotent DDL; losing is fine.
			if (!isApplied(statement)) {
				throw ex;
			}
		}
	}

	private boolean isApplied(Statement statement) {
		return switch (statement.kind()) {
			case CREATE_TABLE -> exists(statement.table());
			case ADD_COLUMN -> TableColumns.read(this.transaction, statement.table())
				.contains(Objects.requireNonNull(statement.column()));
			case CREATE_INDEX -> exists(Objects.requireNonNull(statement.index()));
		};
	}

	private boolean exists(OutboxTable relation) {
		return this.transaction.run("check relation " + relation, EXISTS_SQL, (connection) -> {
			try (PreparedStatement statement = this.transaction.prepare(connection, EXISTS_SQL)) {
				statement.setString(1, relation.sql());
				try (ResultSet result = statement.executeQuery()) {
					return result.next() && result.getBoolean(1);
				}
			}
		});
	}

	private List<String> columnProblems() {
		TableColumns columns = TableColumns.read(this.transaction, this.table);
		List<String> problems = new ArrayList<>();
		for (String name : REQUIRED_COLUMNS) {
			Column column = columns.get(name);
			if (column == null) {
				problems.add("column " + name + " is missing");
			}
			else if (REQUIRED_TYPES.containsKey(name) && !REQUIRED_TYPES.get(name).contains(column.typeName())) {
				problems.add("column " + name + " is " + column.displayType() + " but must be "
						+ EXPECTED_TYPE_NAMES.get(name));
			}
		}
		return problems;
	}

}
