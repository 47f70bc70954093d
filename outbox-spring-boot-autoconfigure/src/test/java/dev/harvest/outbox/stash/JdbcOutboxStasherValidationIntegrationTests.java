package dev.harvest.outbox.stash;

import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Integration tests for the checks {@link JdbcOutboxStasher} makes before writing: each rule
 * gives a message naming the field and the fix, and nothing is written, even when the
 * transaction goes on to commit.
 */
class JdbcOutboxStasherValidationIntegrationTests {

	private static final String LEGAL_TOPIC_RULE = "is not a legal Kafka topic name; use 1 to 249 characters of "
			+ "ASCII letters, digits, '.', '_' and '-', other than \".\" and \"..\"";

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private HikariDataSource pool;

	private StatementCountingDataSource dataSource;

	private JdbcTemplate jdbc;

	private TransactionTemplate transaction;

	private OutboxStasher stasher;

	@BeforeEach
	void createOutbox() {
		TestDatabase database = this.infrastructure.newDatabase();
		this.pool = database.createDataSource();
		this.dataSource = new StatementCountingDataSource(this.pool);
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.transaction = new TransactionTemplate(new JdbcTransactionManager(this.dataSource));
		TestDatabase.execute(this.dataSource, OutboxTableShape.GOHARVEST.ddl("outbox"));
		this.stasher = JdbcOutboxStasher.builder(this.dataSource).build();
	}

	@AfterEach
	void closeDatabase() {
		this.pool.close();
	}

	@Test
	void topicWithIllegalCharacterIsRejected() {
		assertRejected(() -> this.stasher.stash(OutboxRecord.builder("orders placed", "k").build()),
				"Outbox record: 'topic' \"orders placed\" " + LEGAL_TOPIC_RULE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", ".", "..", "orders/placed", "bestellungen-für-kunden" })
	void illegalTopicIsRejected(String topic) {
		assertRejected(() -> this.stasher.stash(OutboxRecord.builder(topic, "k").build()),
				"Outbox record: 'topic' \"" + topic + "\" " + LEGAL_TOPIC_RULE);
	}

	@Test
	void topicLongerThanKafkaAllowsIsRejected() {
		String topic = "t".repeat(250);
		assertRejected(() -> this.stasher.stash(OutboxRecord.builder(topic, "k").build()),
				"Outbox record: 'topic' \"" + topic + "\" " + LEGAL_TOPIC_RULE);
	}

	@Test
	void illegalTopicIsRejectedBeforeSerializing() {
		OutboxStasher stasher = JdbcOutboxStasher.builder(this.dataSource).valueSerializer((topic, data) -> {
			throw new AssertionError("serializer called for " + topic);
		}).build();
		assertRejected(() -> stasher.stash("..", "k", 42), "Outbox record: 'topic' \"..\" " + LEGAL_TOPIC_RULE);
	}

	@Test
	void topicLongerThanItsColumnIsRejected() {
		TestDatabase.execute(this.dataSource, "ALTER TABLE outbox ALTER COLUMN kafka_topic TYPE VARCHAR(10)");
		OutboxStasher stasher = JdbcOutboxStasher.builder(this.dataSource).build();
		assertRejected(() -> stasher.stash("orders.placed", "k", "v"),
				"Outbox record: 'topic' is 13 characters long, but column kafka_topic of outbox table outbox "
						+ "(character varying(10)) holds at most 10; shorten it or widen the column");
	}

	@Test
	void nullKeyIsRejected() {
		assertRejected(() -> this.stasher.stash("orders", nullString(), "v"), "'key' must not be null");
	}

	@Test
	void keyLongerThanItsColumnIsRejected() {
		assertRejected(() -> this.stasher.stash("orders", "k".repeat(101), "v"),
				"Outbox record: 'key' is 101 characters long, but column kafka_key of outbox table outbox "
						+ "(character varying(100)) holds at most 100; shorten it or widen the column");
	}

	@Test
	void keyLimitCountsCharactersNotBytes() {
		String key = "é".repeat(99) + "😀";
		this.transaction.executeWithoutResult((status) -> this.stasher.stash("orders", key, "v"));
		assertThat(StoredRow.readAll(this.jdbc, "outbox").get(0).key()).isEqualTo(key);
	}

	@Test
	void keyWithNulCharacterIsRejected() {
		assertRejected(() -> this.stasher.stash("orders", "a\0b", "v"),
				"Outbox record: 'key' contains a NUL character (U+0000), which PostgreSQL cannot store in text");
	}

	@Test
	void valueLongerThanItsColumnIsRejected() {
		String value = "é".repeat(10001);
		assertRejected(() -> this.stasher.stash("orders", "k", value),
				"Outbox record: 'value' is 10001 characters long, but column kafka_value of outbox table outbox "
						+ "(character varying(10000)) holds at most 10000; shorten it or widen the column");
	}

	@Test
	void valueAtItsColumnLimitIsWritten() {
		String value = "é".repeat(10000);
		this.transaction.executeWithoutResult((status) -> this.stasher.stash("orders", "k", value));
		assertThat(StoredRow.readAll(this.jdbc, "outbox").get(0).valueText()).isEqualTo(value);
	}

	@Test
	void textValueWithNulCharacterIsRejected() {
		assertRejected(() -> this.stasher.stash("orders", "k", "a\0b"),
				"Outbox record: 'value' contains a NUL character (U+0000), which PostgreSQL cannot store in text; "
						+ "store such values in a bytea column");
	}

	@Test
	void nullHeaderKeyIsRejected() {
		assertRejected(() -> this.stasher.stash(OutboxRecord.builder("orders", "k").header(nullString(), "v").build()),
				"'key' of a header must not be null");
	}

	@Test
	void nullHeaderValueIsRejected() {
		assertRejected(
				() -> this.stasher.stash(OutboxRecord.builder("orders", "k").header("source", nullString()).build()),
				"value of header 'source' must not be null");
	}

	@Test
	void headerLongerThanItsColumnIsRejected() {
		TestDatabase.execute(this.dataSource,
				"ALTER TABLE outbox ALTER COLUMN kafka_header_values TYPE VARCHAR(5)[]");
		OutboxStasher stasher = JdbcOutboxStasher.builder(this.dataSource).build();
		OutboxRecord record = OutboxRecord.builder("orders", "k").header("a", "ok").header("b", "too long").build();
		assertRejected(() -> stasher.stash(record),
				"Outbox record: 'headers[1].value' is 8 characters long, but column kafka_header_values of outbox "
						+ "table outbox (character varying(5)[]) holds at most 5; shorten it or widen the column");
	}

	@Test
	void invalidLastRecordOfStashAllWritesNothing() {
		List<OutboxRecord> records = new ArrayList<>();
		for (int i = 0; i < 999; i++) {
			records.add(OutboxRecord.builder("orders", "key-" + i).value("v").build());
		}
		records.add(OutboxRecord.builder("orders", "k".repeat(101)).value("v").build());
		this.dataSource.reset();
		assertRejected(() -> this.stasher.stashAll(records),
				"Outbox record at index 999 of 1000: 'key' is 101 characters long, but column kafka_key of outbox "
						+ "table outbox (character varying(100)) holds at most 100; shorten it or widen the column");
		assertThat(this.dataSource.calls("addBatch")).isZero();
		assertThat(this.dataSource.calls("executeBatch")).isZero();
	}

	/**
	 * Stashes inside a transaction that catches the failure and commits anyway, then checks
	 * that the table is still empty.
	 */
	private void assertRejected(Runnable stash, String message) {
		this.transaction.executeWithoutResult(
				(status) -> assertThatIllegalArgumentException().isThrownBy(stash::run).withMessage(message));
		assertThat(StoredRow.count(this.jdbc, "outbox")).isZero();
	}

	private static String nullString() {
		return null;
	}

}
