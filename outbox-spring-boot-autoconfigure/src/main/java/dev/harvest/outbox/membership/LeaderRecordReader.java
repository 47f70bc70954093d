package dev.harvest.outbox.membership;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;
import org.springframework.util.Assert;

import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * Reads a leader group's row of {@code harvest_leader}, the epoch table next to the outbox,
 * whether or not the table has the {@code last_mark_at} column yet.
 */
public final class LeaderRecordReader {

	private static final String UNDEFINED_TABLE = "42P01";

	private static final String LAST_MARK_AT = "last_mark_at";

	private final DataSource dataSource;

	private final String sql;

	private final int queryTimeoutSeconds;

	private final SQLExceptionTranslator translator;

	/**
	 * Creates a reader.
	 * @param dataSource the database of the outbox
	 * @param outbox the outbox table; {@code harvest_leader} is in its schema
	 * @param queryTimeout how long the query may run before it is cancelled
	 */
	public LeaderRecordReader(DataSource dataSource, OutboxTable outbox, Duration queryTimeout) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(outbox, "'outbox' must not be null");
		Assert.isTrue(queryTimeout != null && !queryTimeout.isNegative() && !queryTimeout.isZero(),
				"'queryTimeout' must be positive");
		this.dataSource = dataSource;
		// Every column, so that a table created before leaders recorded their marks is read too.
		this.sql = "SELECT * FROM " + outbox.inSameSchema("harvest_leader").sql() + " WHERE group_id = ?";
		this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE, (queryTimeout.toMillis() + 999) / 1000);
		this.translator = new SQLErrorCodeSQLExceptionTranslator(dataSource);
	}

	/**
	 * Reads the row of a leader group.
	 * @param groupId the leader group
	 * @return the row, or {@code null} when the group never had a leader or the table does not
	 * exist (yet)
	 * @throws DataAccessException when the query fails for another reason
	 */
	public @Nullable LeaderRecord read(String groupId) {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			try (PreparedStatement statement = connection.prepareStatement(this.sql)) {
				statement.setQueryTimeout(this.queryTimeoutSeconds);
				statement.setString(1, groupId);
				try (ResultSet result = statement.executeQuery()) {
					if (!result.next()) {
						return null;
					}
					return new LeaderRecord(result.getLong("epoch"), result.getString("leader_name"),
							result.getObject("leader_id", UUID.class), instant(result.getTimestamp("acquired_at")),
							hasColumn(result, LAST_MARK_AT) ? instant(result.getTimestamp(LAST_MARK_AT)) : null);
				}
			}
			finally {
				// Read-only work: end any transaction the pool left open rather than commit it.
				if (!autoCommit) {
					rollbackQuietly(connection);
				}
			}
		}
		catch (SQLException ex) {
			if (UNDEFINED_TABLE.equals(ex.getSQLState())) {
				return null;
			}
			DataAccessException translated = this.translator.translate("read leader epoch", this.sql, ex);
			throw (translated != null) ? translated : new UncategorizedSQLException("read leader epoch", this.sql, ex);
		}
	}

	private static boolean hasColumn(ResultSet result, String name) throws SQLException {
		ResultSetMetaData metaData = result.getMetaData();
		for (int i = 1; i <= metaData.getColumnCount(); i++) {
			if (name.equalsIgnoreCase(metaData.getColumnName(i))) {
				return true;
			}
		}
		return false;
	}

	private static @Nullable Instant instant(@Nullable Timestamp timestamp) {
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

	private static void rollbackQuietly(Connection connection) {
		try {
			connection.rollback();
		}
		catch (SQLException ex) {
			// Nothing was written; a broken connection is the pool's to discard.
		}
	}

}
