package dev.harvest.outbox.stash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionTemplate;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Integration tests for {@link JdbcOutboxStasher} on a real PostgreSQL, with both table
 * shapes: what is written, when, and in how many statements.
 */
class JdbcOutboxStasherIntegrationTests {

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private TestDatabase database;

	private HikariDataSource pool;

	private StatementCountingDataSource dataSource;

	private JdbcTemplate jdbc;

	private TransactionTemplate transaction;

	@BeforeEach
	void createDatabase() {
		this.database = this.infrastructure.newDatabase();
		this.pool = this.database.createDataSource();
		this.dataSource = new StatementCountingDataSource(this.pool);
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.transaction = new TransactionTemplate(new JdbcTransactionManager(this.dataSource));
	}

	@AfterEach
	void closeDatabase() {
		this.pool.close();
	}

	@ParameterizedTest
	@EnumSource
	void committedRecordIsStoredExactlyAsGiven(OutboxTableShape shape) {
		createOutbox(shape);
		OutboxStasher stasher = stasher().build();
		OutboxRecord record = OutboxRecord.builder("orders.placed", "customer-7")
			.value("{\"total\":12.5,\"note\":\"crème brûlée\"}")
			.header("applicationId", "shop")
			.header("tag", "a")
			.header("applicationId", "shop-2")
			.header("empty", "")
			.build();
		this.transaction.executeWithoutResult((status) -> stasher.stash(record));
		List<StoredRow> rows = StoredRow.readAll(this.jdbc, "outbox");
		assertThat(rows).singleElement().satisfies((row) -> {
			assertThat(row.topic()).isEqualTo("orders.placed");
			assertThat(row.key()).isEqualTo("customer-7");
			assertThat(row.valueText()).isEqualTo("{\"total\":12.5,\"note\":\"crème brûlée\"}");
			assertThat(row.value()).isInstanceOf(shape.binary() ? byte[].class : String.class);
			assertThat(row.headerKeys()).containsExactly("applicationId", "tag", "applicationId", "empty");
			assertThat(row.headerValues()).containsExactly("shop", "a", "shop-2", "");
			assertThat(row.hasCreateTime()).isTrue();
			assertThat(row.hasLeaderId()).isFalse();
		});
	}

	@ParameterizedTest
	@EnumSource
	void recordWithoutHeadersIsStoredWithEmptyArrays(OutboxTableShape shape) {
		createOutbox(shape);
		OutboxStasher stasher = stasher().build();
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", "v"));
		assertThat(this.jdbc.queryForObject(
				"SELECT cardinality(kafka_header_keys) = 0 AND cardinality(kafka_header_values) = 0 FROM outbox",
				Boolean.class))
			.isTrue();
	}

	@ParameterizedTest
	@EnumSource
	void rolledBackTransactionLeavesNoRow(OutboxTableShape shape) {
		createOutbox(shape);
		OutboxStasher stasher = stasher().build();
		assertThatIllegalStateException().isThrownBy(() -> this.transaction.executeWithoutResult((status) -> {
			stasher.stash("orders", "k", "v");
			assertThat(StoredRow.count(this.jdbc, "outbox")).isOne();
			throw new IllegalStateException("business failure");
		})).withMessage("business failure");
		assertThat(StoredRow.count(this.jdbc, "outbox")).isZero();
	}

	@ParameterizedTest
	@EnumSource
	void stashAllWritesAThousandRecordsInOneBatchInOrder(OutboxTableShape shape) {
		createOutbox(shape);
		OutboxStasher stasher = stasher().build();
		List<OutboxRecord> records = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			records.add(
					OutboxRecord.builder("orders", "key-" + (i % 10)).value("value-" + i).header("n", "" + i).build());
		}
		this.dataSource.reset();
		this.transaction.executeWithoutResult((status) -> stasher.stashAll(records));
		assertThat(this.dataSource.calls("executeBatch")).isOne();
		assertThat(this.dataSource.calls("addBatch")).isEqualTo(1000);
		assertThat(this.dataSource.calls("executeUpdate")).isZero();
		List<StoredRow> rows = StoredRow.readAll(this.jdbc, "outbox");
		assertThat(rows).hasSize(1000);
		for (int i = 0; i < 1000; i++) {
			assertThat(rows.get(i).key()).isEqualTo("key-" + (i % 10));
			assertThat(rows.get(i).valueText()).isEqualTo("value-" + i);
			assertThat(rows.get(i).headerValues()).containsExactly("" + i);
		}
	}

	@Test
	void stashWritesOneStatement() {
		createOutbox(OutboxTableShape.RECOMMENDED);
		OutboxStasher stasher = stasher().notifyHarvester(false).build();
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", "v"));
		this.dataSource.reset();
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", "v"));
		assertThat(this.dataSource.calls("executeUpdate")).isOne();
		assertThat(this.dataSource.calls("executeBatch")).isZero();
	}

	@ParameterizedTest
	@EnumSource
	void stashAllRollsBackWithTheTransaction(OutboxTableShape shape) {
		createOutbox(shape);
		OutboxStasher stasher = stasher().build();
		List<OutboxRecord> records = new ArrayList<>();
		for (int i = 0; i < 1000; i++) {
			records.add(OutboxRecord.builder("orders", "key-" + i).value("value-" + i).build());
		}
		assertThatIllegalStateException().isThrownBy(() -> this.transaction.executeWithoutResult((status) -> {
			stasher.stashAll(records);
			throw new IllegalStateException("business failure");
		}));
		assertThat(StoredRow.count(this.jdbc, "outbox")).isZero();
	}

	@Test
	void stashOutsideTransactionFailsWithClearMessage() {
		createOutbox(OutboxTableShape.RECOMMENDED);
		OutboxStasher stasher = stasher().build();
		assertThatExceptionOfType(IllegalTransactionStateException.class)
			.isThrownBy(() -> stasher.stash("orders", "k", "v"))
			.withMessageContaining("No transaction is active")
			.withMessageContaining("not atomically with your business change")
			.withMessageContaining("@Transactional")
			.withMessageContaining("harvest.stasher.require-transaction=false");
		assertThatExceptionOfType(IllegalTransactionStateException.class)
			.isThrownBy(() -> stasher.stashAll(List.of(OutboxRecord.builder("orders", "k").build())))
			.withMessageContaining("No transaction is active");
		assertThat(StoredRow.count(this.jdbc, "outbox")).isZero();
	}

	@Test
	void stashOutsideTransactionWritesWhenTransactionNotRequired() {
		createOutbox(OutboxTableShape.GOHARVEST);
		OutboxStasher stasher = stasher().requireTransaction(false).build();
		stasher.stash("orders", "k1", "v1");
		stasher.stashAll(List.of(OutboxRecord.builder("orders", "k2").value("v2").build(),
				OutboxRecord.builder("orders", "k3").value("v3").build()));
		assertThat(StoredRow.readAll(this.jdbc, "outbox")).extracting(StoredRow::key).containsExactly("k1", "k2", "k3");
	}

	@Test
	void stashInTransactionOfAnotherDataSourceFailsWithClearMessage() {
		createOutbox(OutboxTableShape.RECOMMENDED);
		OutboxStasher stasher = stasher().build();
		try (HikariDataSource other = this.infrastructure.newDatabase().createDataSource()) {
			TransactionTemplate otherTransaction = new TransactionTemplate(new JdbcTransactionManager(other));
			assertThatExceptionOfType(IllegalTransactionStateException.class)
				.isThrownBy(() -> otherTransaction.executeWithoutResult((status) -> stasher.stash("orders", "k", "v")))
				.withMessageContaining("does not include the outbox's DataSource")
				.withMessageContaining("auto-commit");
		}
		assertThat(StoredRow.count(this.jdbc, "outbox")).isZero();
	}

	@ParameterizedTest
	@EnumSource
	void objectValueIsStoredAsJsonWithItsTypeHeader(OutboxTableShape shape) {
		createOutbox(shape);
		OutboxStasher stasher = stasher().build();
		Order order = new Order("o-1", 3, "crème");
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "o-1", order));
		StoredRow row = StoredRow.readAll(this.jdbc, "outbox").get(0);
		assertThat(JsonMapper.shared().readValue(row.valueText(), Order.class)).isEqualTo(order);
		assertThat(row.headerKeys()).containsExactly("__TypeId__");
		assertThat(row.headerValues()).containsExactly(Order.class.getName());
	}

	@Test
	void configuredSerializerReceivesTheTopic() {
		createOutbox(OutboxTableShape.RECOMMENDED);
		OutboxStasher stasher = stasher()
			.valueSerializer((topic, data) -> (topic + ":" + data).getBytes(StandardCharsets.UTF_8))
			.build();
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", 42));
		assertThat(StoredRow.readAll(this.jdbc, "outbox").get(0).valueText()).isEqualTo("orders:42");
	}

	@ParameterizedTest
	@EnumSource
	void nullValueIsStoredAsTombstone(OutboxTableShape shape) {
		createOutbox(shape);
		OutboxStasher stasher = stasher().build();
		this.transaction.executeWithoutResult((status) -> {
			stasher.stash("orders", "k", null);
			stasher.stashAll(List.of(OutboxRecord.builder("orders", "k").value((byte[]) null).build(),
					OutboxRecord.builder("orders", "k").value("v").build()));
		});
		assertThat(StoredRow.readAll(this.jdbc, "outbox")).extracting(StoredRow::valueText)
			.containsExactly(null, null, "v");
	}

	@Test
	void binaryValueRoundTripsExactlyOnByteaTable() {
		createOutbox(OutboxTableShape.RECOMMENDED);
		OutboxStasher stasher = stasher().build();
		byte[] value = new byte[256];
		for (int i = 0; i < value.length; i++) {
			value[i] = (byte) i;
		}
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", value));
		assertThat(StoredRow.readAll(this.jdbc, "outbox").get(0).value()).isEqualTo(value);
	}

	@Test
	void invalidUtf8ValueIsRejectedOnTextTable() {
		createOutbox(OutboxTableShape.GOHARVEST);
		OutboxStasher stasher = stasher().build();
		byte[] value = { 'o', 'k', (byte) 0xC3, (byte) 0x28 };
		this.transaction.executeWithoutResult((status) -> assertThatIllegalArgumentException()
			.isThrownBy(() -> stasher.stash("orders", "k", value))
			.withMessage("Outbox record: 'value' is not valid UTF-8 (at byte 2), but column kafka_value of outbox "
					+ "table outbox is character varying(10000) and stores text; give text values, or store binary "
					+ "payloads in a bytea column"));
		assertThat(StoredRow.count(this.jdbc, "outbox")).isZero();
	}

	@Test
	void contributedHeadersAreAddedUnlessTheRecordHasThem() {
		createOutbox(OutboxTableShape.RECOMMENDED);
		List<OutboxHeader> contributed = List.of(new OutboxHeader("traceparent", "contributed"),
				new OutboxHeader("tracestate", "vendor=1"));
		OutboxStasher stasher = stasher().headerContributor(() -> contributed).build();
		this.transaction.executeWithoutResult((status) -> {
			stasher.stash("orders", "k1", "v");
			stasher.stash(stasher.toRecord("orders", "k2", "v").withHeader("traceparent", "own"));
		});
		List<StoredRow> rows = StoredRow.readAll(this.jdbc, "outbox");
		assertThat(rows.get(0).headerKeys()).containsExactly("traceparent", "tracestate");
		assertThat(rows.get(0).headerValues()).containsExactly("contributed", "vendor=1");
		assertThat(rows.get(1).headerKeys()).containsExactly("traceparent", "tracestate");
		assertThat(rows.get(1).headerValues()).containsExactly("own", "vendor=1");
	}

	@Test
	void schemaQualifiedTableOutsideTheSearchPathIsWritten() {
		String schema = this.infrastructure.newDatabase().schema();
		TestDatabase.execute(this.dataSource, OutboxTableShape.GOHARVEST.ddl(schema + ".events"));
		OutboxStasher stasher = stasher().table(new OutboxTable(schema, "events")).build();
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", "v"));
		assertThat(StoredRow.count(this.jdbc, schema + ".events")).isOne();
	}

	@Test
	void missingTableFailsWithClearMessage() {
		OutboxStasher stasher = stasher().build();
		this.transaction.executeWithoutResult((status) -> assertThatIllegalStateException()
			.isThrownBy(() -> stasher.stash("orders", "k", "v"))
			.withMessageStartingWith("Outbox table outbox does not exist in the search path (" + this.database.schema())
			.withMessageContaining("harvest.schema.initialize"));
	}

	@Test
	void tableMissingAColumnFailsWithClearMessage() {
		TestDatabase.execute(this.dataSource, "CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, kafka_topic TEXT)");
		OutboxStasher stasher = stasher().build();
		this.transaction.executeWithoutResult((status) -> assertThatIllegalStateException()
			.isThrownBy(() -> stasher.stash("orders", "k", "v"))
			.withMessageStartingWith("Outbox table outbox has no column create_time"));
	}

	private void createOutbox(OutboxTableShape shape) {
		TestDatabase.execute(this.dataSource, shape.ddl("outbox"));
	}

	private JdbcOutboxStasher.Builder stasher() {
		return JdbcOutboxStasher.builder(this.dataSource);
	}

	record Order(String id, int quantity, String note) {
	}

}
