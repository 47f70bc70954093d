package dev.harvest.outbox.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.util.Assert;

/**
 * Runs a short unit of work on a connection of its own, independent of any transaction of
 * the calling thread, and commits it when the work returns. Every statement gets a query
 * timeout, and SQL exceptions are translated as {@code JdbcTemplate} would translate them.
 */
final class AutonomousTransaction {

	private final DataSource dataSource;

	private final int queryTimeoutSeconds;

	private final SQLExceptionTranslator translator;

	AutonomousTransaction(DataSource dataSource, Duration queryTimeout) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.isTrue(queryTimeout != null && !queryTimeout.isNegative() && !queryTimeout.isZero(),
				"'queryTimeout' must be positive");
		this.dataSource = dataSource;
		// JDBC counts the timeout in whole seconds; round up so that a short timeout stays a timeout.
		this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE, (queryTimeout.toMillis() + 999) / 1000);
		this.translator = new SQLErrorCodeSQLExceptionTranslator(dataSource);
	}

	/**
	 * Runs the work and commits it; on failure rolls it back.
	 * @param <T> the type of the result
	 * @param task what the work does, for the exception message
	 * @param sql the main statement of the work, for the exception message
	 * @param work the work
	 * @return the work's result
	 * @throws DataAccessException when the database reports an error
	 */
	<T> T run(String task, String sql, Work<T> work) {
		try (Connection connection = this.dataSource.getConnection()) {
			// A pool may hand out connections without auto-commit (a common setting for JPA);
			// without an explicit commit the pool would roll the work back on return.
			boolean commit = !connection.getAutoCommit();
			try {
				T result = work.run(connection);
				if (commit) {
					connection.commit();
				}
				return result;
			}
			catch (SQLException | RuntimeException ex) {
				if (commit) {
					rollback(connection, ex);
				}
				throw ex;
			}
		}
		catch (SQLException ex) {
			DataAccessException translated = this.translator.translate(task, sql, ex);
			throw (translated != null) ? translated : new UncategorizedSQLException(task, sql, ex);
		}
	}

	/**
	 * Prepares a statement with the query timeout set.
	 * @param connection the connection of the work
	 * @param sql the statement
	 * @return the prepared statement, to be closed by the caller
	 * @throws SQLException on database errors
	 */
	PreparedStatement prepare(Connection connection, String sql) throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql);
		statement.setQueryTimeout(this.queryTimeoutSeconds);
		return statement;
	}

	private static void rollback(Connection connection, Exception failure) {
		try {
			connection.rollback();
		}
		catch (SQLException ex) {
			failure.addSuppressed(ex);
		}
	}

	/**
	 * Work on a connection.
	 *
	 * @param <T> the type of the result
	 */
	@FunctionalInterface
	interface Work<T> {

		T run(Connection connection) throws SQLException;

	}

}
