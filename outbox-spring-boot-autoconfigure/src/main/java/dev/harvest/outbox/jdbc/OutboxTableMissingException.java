package dev.harvest.outbox.jdbc;

import java.util.List;

/**
 * Thrown at start-up when the outbox table does not exist or lacks columns Harvest needs; the
 * message shows the DDL that creates it.
 */
public class OutboxTableMissingException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	/** The property that lets Harvest create its tables itself. */
	public static final String INITIALIZE_PROPERTY = "harvest.schema.initialize";

	private final transient OutboxTable table;

	private final List<String> problems;

	private final String ddl;

	/**
	 * Creates an exception for a table that does not exist.
	 * @param table the outbox table
	 * @param ddl the DDL that creates it
	 */
	public OutboxTableMissingException(OutboxTable table, String ddl) {
		this(table, List.of(), ddl);
	}

	/**
	 * Creates an exception for a table that does not exist ({@code problems} empty) or that
	 * exists without the columns Harvest needs.
	 * @param table the outbox table
	 * @param problems what is wrong with the existing table, e.g. a missing column
	 * @param ddl the DDL of Harvest's recommended schema
	 */
	public OutboxTableMissingException(OutboxTable table, List<String> problems, String ddl) {
		super(message(table, problems, ddl));
		this.table = table;
		this.problems = List.copyOf(problems);
		this.ddl = ddl;
	}

	private static String message(OutboxTable table, List<String> problems, String ddl) {
		if (problems.isEmpty()) {
			return "Outbox table " + table.sql() + " does not exist. Create it with the DDL below (for example in a"
					+ " Flyway or Liquibase migration), or set " + INITIALIZE_PROPERTY + "=true to let Harvest create"
					+ " it at start-up. If the table lives in another schema, set harvest.outbox-table to"
					+ " 'schema.table'.\n\n" + ddl;
		}
		return "Outbox table " + table.sql() + " does not have the columns Harvest needs: "
				+ String.join("; ", problems) + ". Alter it to match goharvest's columns as in the DDL below.\n\n"
				+ ddl;
	}

	/**
	 * Returns the outbox table.
	 * @return the table
	 */
	public OutboxTable getTable() {
		return this.table;
	}

	/**
	 * Returns what is wrong with an existing table.
	 * @return the problems, empty when the table does not exist at all
	 */
	public List<String> getProblems() {
		return this.problems;
	}

	/**
	 * Returns the DDL of Harvest's recommended schema for the table.
	 * @return the DDL
	 */
	public String getDdl() {
		return this.ddl;
	}

}
