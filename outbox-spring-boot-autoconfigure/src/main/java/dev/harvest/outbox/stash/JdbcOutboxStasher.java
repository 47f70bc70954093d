package dev.harvest.outbox.stash;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementCallback;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * An {@link OutboxStasher} that inserts rows through the connection Spring has bound to the
 * current transaction for its {@link DataSource}, so that they commit or roll back with the
 * caller's work. Build with {@link #builder(DataSource)}.
 */
public final class JdbcOutboxStasher implements OutboxStasher {

	private static final Log logger = LogFactory.getLog(JdbcOutboxStasher.class);

	private static final boolean JACKSON_PRESENT = ClassUtils.isPresent("tools.jackson.databind.json.JsonMapper",
			JdbcOutboxStasher.class.getClassLoader());

	private static final String NOTIFY = "SELECT pg_notify(?, '')";

	private final JdbcTemplate jdbc;

	private final OutboxTable table;

	private final String insert;

	private final boolean requireTransaction;

	private final boolean notifyHarvester;

	private final @Nullable Serializer<Object> valueSerializer;

	private final List<HeaderContributor> headerContributors;

	private volatile @Nullable OutboxColumns columns;

	private JdbcOutboxStasher(Builder builder) {
		this.jdbc = new JdbcTemplate(builder.dataSource);
		this.table = builder.table;
		this.insert = "INSERT INTO " + this.table.sql() + " (create_time, kafka_topic, kafka_key, kafka_value, "
				+ "kafka_header_keys, kafka_header_values) VALUES (now(), ?, ?, ?, ?, ?)";
		this.requireTransaction = builder.requireTransaction;
		this.notifyHarvester = builder.notifyHarvester;
		this.valueSerializer = (builder.valueSerializer != null) ? builder.valueSerializer
				: JACKSON_PRESENT ? JsonValueSerializer.create() : null;
		this.headerContributors = List.copyOf(builder.headerContributors);
	}

	/**
	 * Starts a builder for a stasher that writes through the given data source, which must
	 * be the one the application's transactions use.
	 * @param dataSource the data source
	 * @return a builder
	 */
	public static Builder builder(DataSource dataSource) {
		return new Builder(dataSource);
	}

	@Override
	public void stash(OutboxRecord record) {
		Assert.notNull(record, "'record' must not be null");
		requireTransaction();
		OutboxColumns columns = columns();
		PendingRow row = PendingRow.of(record, contributedHeaders(), columns, "Outbox record");
		requireTransactionalConnection();
		this.jdbc.update(this.insert, (statement) -> bind(statement, row, columns));
		notifyHarvester();
	}

	@Override
	public void stashAll(Collection<OutboxRecord> records) {
		Assert.notNull(records, "'records' must not be null");
		requireTransaction();
		if (records.isEmpty()) {
			return;
		}
		// Every record is checked before the first is written, so an invalid one leaves the
		// transaction untouched.
		OutboxColumns columns = columns();
		List<OutboxHeader> contributed = contributedHeaders();
		List<PendingRow> rows = new ArrayList<>(records.size());
		for (OutboxRecord record : records) {
			String position = "Outbox record at index " + rows.size() + " of " + records.size();
			Assert.notNull(record, () -> position + " is null");
			rows.add(PendingRow.of(record, contributed, columns, position));
		}
		requireTransactionalConnection();
		this.jdbc.batchUpdate(this.insert, new BatchPreparedStatementSetter() {

			@Override
			public void setValues(PreparedStatement statement, int i) throws SQLException {
				bind(statement, rows.get(i), columns);
			}

			@Override
			public int getBatchSize() {
				return rows.size();
			}

		});
		notifyHarvester();
	}

	@Override
	public OutboxRecord toRecord(String topic, String key, @Nullable Object value) {
		Assert.notNull(topic, "'topic' must not be null");
		// Checked before serializing: a schema-registry serializer would register a subject
		// named after the topic.
		PendingRow.checkTopic(topic, "Outbox record");
		if (value == null || value instanceof byte[]) {
			return new OutboxRecord(topic, key, (byte[]) value, List.of());
		}
		if (value instanceof String text) {
			return new OutboxRecord(topic, key, text.getBytes(StandardCharsets.UTF_8), List.of());
		}
		Serializer<Object> serializer = this.valueSerializer;
		if (serializer == null) {
			throw new IllegalStateException("Cannot stash a " + value.getClass().getName()
					+ " value: no value serializer is configured and Jackson 3 (tools.jackson.core:jackson-databind)"
					+ " is not on the class path; add Jackson for JSON, configure a Kafka Serializer, or pass"
					+ " byte[] or String values");
		}
		RecordHeaders headers = new RecordHeaders();
		byte[] bytes = serializer.serialize(topic, headers, value);
		return new OutboxRecord(topic, key, bytes, textHeaders(headers, serializer));
	}

	private static List<OutboxHeader> textHeaders(RecordHeaders headers, Serializer<Object> serializer) {
		List<OutboxHeader> result = new ArrayList<>();
		for (Header header : headers) {
			byte[] value = header.value();
			try {
				String text = (value != null) ? PendingRow.decodeUtf8(ByteBuffer.wrap(value)) : "";
				result.add(new OutboxHeader(header.key(), text));
			}
			catch (CharacterCodingException ex) {
				throw new IllegalArgumentException("Serializer " + serializer.getClass().getName() + " set header '"
						+ header.key() + "' to bytes that are not UTF-8 text; the outbox stores header values as text",
						ex);
			}
		}
		return result;
	}

	private void requireTransaction() {
		if (this.requireTransaction && !TransactionSynchronizationManager.isActualTransactionActive()) {
			throw new IllegalTransactionStateException("No transaction is active, so the outbox row would be "
					+ "committed on its own and not atomically with your business change: a rollback would still "
					+ "publish it. Stash from a method annotated with @Transactional (or inside a "
					+ "TransactionTemplate) that uses the same DataSource, or, if the record need not be atomic "
					+ "with anything, set harvest.stasher.require-transaction=false.");
		}
	}

	// A transaction can be active without covering this DataSource (for example a Kafka-only
	// transaction manager); Spring then hands out an auto-commit connection.
	private void requireTransactionalConnection() {
		if (this.requireTransaction
				&& Boolean.TRUE.equals(this.jdbc.execute((ConnectionCallback<Boolean>) Connection::getAutoCommit))) {
			throw new IllegalTransactionStateException("The active transaction does not include the outbox's "
					+ "DataSource (its connection is in auto-commit mode), so the outbox row would not be atomic "
					+ "with your business change. Use a transaction manager for this DataSource (such as "
					+ "JdbcTransactionManager or JpaTransactionManager) for the @Transactional method that stashes.");
		}
	}

	private OutboxColumns columns() {
		OutboxColumns columns = this.columns;
		if (columns == null) {
			columns = OutboxColumns.read(this.jdbc, this.table);
			if (logger.isDebugEnabled()) {
				logger.debug("Outbox table " + this.table + " stores values as " + columns.value().type());
			}
			this.columns = columns;
		}
		return columns;
	}

	private List<OutboxHeader> contributedHeaders() {
		if (this.headerContributors.isEmpty()) {
			return List.of();
		}
		List<OutboxHeader> headers = new ArrayList<>();
		for (HeaderContributor contributor : this.headerContributors) {
			headers.addAll(contributor.headers());
		}
		return headers;
	}

	private static void bind(PreparedStatement statement, PendingRow row, OutboxColumns columns) throws SQLException {
		statement.setString(1, row.topic());
		statement.setString(2, row.key());
		Object value = row.value();
		if (value instanceof byte[] bytes) {
			statement.setBytes(3, bytes);
		}
		else if (value instanceof String text) {
			statement.setString(3, text);
		}
		else {
			// Typed like the non-null values so that a batch keeps one statement shape.
			statement.setNull(3, columns.value().binary() ? Types.BINARY : Types.VARCHAR);
		}
		Connection connection = statement.getConnection();
		statement.setArray(4, connection.createArrayOf("text", row.headerKeys()));
		statement.setArray(5, connection.createArrayOf("text", row.headerValues()));
	}

	// Delivered by PostgreSQL only when the transaction commits, and folded into one
	// notification however often it is sent within that transaction.
	private void notifyHarvester() {
		if (this.notifyHarvester) {
			this.jdbc.execute(NOTIFY, (PreparedStatementCallback<Boolean>) (statement) -> {
				statement.setString(1, this.table.notificationChannel());
				return statement.execute();
			});
		}
	}

	/**
	 * Builds a {@link JdbcOutboxStasher}.
	 */
	public static final class Builder {

		private final DataSource dataSource;

		private OutboxTable table = OutboxTable.of("outbox");

		private boolean requireTransaction = true;

		private boolean notifyHarvester;

		private @Nullable Serializer<Object> valueSerializer;

		private final List<HeaderContributor> headerContributors = new ArrayList<>();

		private Builder(DataSource dataSource) {
			Assert.notNull(dataSource, "'dataSource' must not be null");
			this.dataSource = dataSource;
		}

		/**
		 * Sets the outbox table; {@code outbox} by default.
		 * @param table the table
		 * @return this builder
		 */
		public Builder table(OutboxTable table) {
			Assert.notNull(table, "'table' must not be null");
			this.table = table;
			return this;
		}

		/**
		 * Sets whether stashing without an active transaction is an error; {@code true} by
		 * default. Without a transaction each stash commits on its own.
		 * @param requireTransaction whether a transaction is required
		 * @return this builder
		 */
		public Builder requireTransaction(boolean requireTransaction) {
			this.requireTransaction = requireTransaction;
			return this;
		}

		/**
		 * Sets whether each stash call notifies the harvester through {@code pg_notify}, so
		 * that it publishes at once instead of at its next poll; {@code false} by default.
		 * PostgreSQL serialises the commits of notifying transactions, which costs
		 * concurrent writers much of their throughput.
		 * @param notifyHarvester whether to notify
		 * @return this builder
		 */
		public Builder notifyHarvester(boolean notifyHarvester) {
			this.notifyHarvester = notifyHarvester;
			return this;
		}

		/**
		 * Sets the Kafka serializer for values other than {@code byte[]} and {@code String};
		 * by default Spring Kafka's Jackson 3 JSON serializer when Jackson is present. It
		 * must be configured already.
		 * @param valueSerializer the serializer
		 * @return this builder
		 */
		public Builder valueSerializer(Serializer<Object> valueSerializer) {
			Assert.notNull(valueSerializer, "'valueSerializer' must not be null");
			this.valueSerializer = valueSerializer;
			return this;
		}

		/**
		 * Adds a contributor of headers for every record, such as {@link TracingHeaders}.
		 * @param headerContributor the contributor
		 * @return this builder
		 */
		public Builder headerContributor(HeaderContributor headerContributor) {
			Assert.notNull(headerContributor, "'headerContributor' must not be null");
			this.headerContributors.add(headerContributor);
			return this;
		}

		public JdbcOutboxStasher build() {
			return new JdbcOutboxStasher(this);
		}

	}

	/**
	 * Creates the default JSON serializer; a class of its own so that Jackson is only
	 * loaded when it is present.
	 */
	private static final class JsonValueSerializer {

		static Serializer<Object> create() {
			return new JacksonJsonSerializer<>();
		}

	}

}
