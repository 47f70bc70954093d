package dev.harvest.outbox.jdbc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.dao.DataAccessException;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.harvest.PoisonPolicy;
import dev.harvest.outbox.jdbc.QuarantineActionResult.Action;
import dev.harvest.outbox.jdbc.QuarantineResult.Outcome;
import dev.harvest.outbox.jdbc.TestOutbox.Shape;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link JdbcQuarantineStore} against a real PostgreSQL.
 */
class JdbcQuarantineStoreIntegrationTests {

	private static final String GROUP = "harvest";

	private static final String TOPIC = "orders";

	private static final Instant FIRST_FAILURE = Instant.parse("2024-05-01T10:00:00Z");

	private static final Instant LAST_FAILURE = Instant.parse("2024-05-01T10:03:30Z");

	private TestOutbox outbox;

	private JdbcOutboxStore store;

	private JdbcQuarantineStore quarantine;

	@BeforeEach
	void createOutbox() {
		this.outbox = TestOutbox.create(Shape.RECOMMENDED);
		this.store = new JdbcOutboxStore(this.outbox.dataSource(), this.outbox.table());
		this.quarantine = new JdbcQuarantineStore(this.outbox.dataSource(), this.outbox.table());
	}

	@AfterEach
	void closeOutbox() {
		this.outbox.close();
	}

	@ParameterizedTest
	@EnumSource(Shape.class)
	void quarantineMovesExactlyOneRowWithItsIdAndWhyItFailed(Shape shape) {
		try (TestOutbox shaped = TestOutbox.create(shape)) {
			JdbcOutboxStore shapedStore = new JdbcOutboxStore(shaped.dataSource(), shaped.table());
			JdbcQuarantineStore shapedQuarantine = new JdbcQuarantineStore(shaped.dataSource(), shaped.table());
			long before = shaped.insert(record("k1", "one"));
			long poison = shaped.insert(OutboxRecord.builder(TOPIC, "k2").value("two €").header("type", "x").build());
			long after = shaped.insert(record("k1", "three"));
			UUID leaderId = UUID.randomUUID();
			long epoch = shapedStore.acquireEpoch(GROUP, "instance", leaderId);
			shapedStore.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
			List<@Nullable String> stored = recordColumns(shaped, shaped.table(), poison);

			QuarantineResult result = shapedQuarantine.quarantine(GROUP, epoch, poison, entry(PoisonPolicy.HOLD_KEY));

			assertThat(result.outcome()).isEqualTo(Outcome.MOVED);
			assertThat(result.ids()).containsExactly(poison);
			assertThat(result.currentEpoch()).isEqualTo(epoch);
			assertThat(shaped.ids()).containsExactly(before, after);
			assertThat(recordColumns(shaped, shaped.table().quarantine(), poison)).isEqualTo(stored);
			assertThat(quarantinedValue(shaped, poison)).isEqualTo("two €".getBytes(StandardCharsets.UTF_8));
			assertThat(leaderIdInQuarantine(shaped, poison)).isEqualTo(leaderId);
			Page<QuarantinedRow> page = shapedQuarantine.list(0, 10);
			assertThat(page.total()).isOne();
			assertThat(page.items()).singleElement().satisfies((row) -> {
				assertThat(row.id()).isEqualTo(poison);
				assertThat(row.topic()).isEqualTo(TOPIC);
				assertThat(row.key()).isEqualTo("k2");
				assertThat(row.valueSize()).isEqualTo("two €".getBytes(StandardCharsets.UTF_8).length);
				assertThat(row.headerKeys()).containsExactly("type");
				assertThat(row.createTime()).isNotNull();
				assertThat(row.attempts()).isEqualTo(3);
				assertThat(row.firstFailureTime()).isEqualTo(FIRST_FAILURE);
				assertThat(row.lastFailureTime()).isEqualTo(LAST_FAILURE);
				assertThat(row.lastError()).isEqualTo("The message is 2000000 bytes when serialized");
				assertThat(row.errorClass()).isEqualTo("org.apache.kafka.common.errors.RecordTooLargeException");
				assertThat(row.policy()).isEqualTo(PoisonPolicy.HOLD_KEY);
				assertThat(row.quarantinedAt()).isAfter(FIRST_FAILURE);
				assertThat(row.releasedAt()).isNull();
				assertThat(row.holdsKey()).isTrue();
			});
		}
	}

	@Test
	void quarantineWithStaleEpochIsFencedAndMovesNothing() {
		long id = this.outbox.insert(record("k", "v"));
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", UUID.randomUUID());
		long epoch = this.store.acquireEpoch(GROUP, "current", UUID.randomUUID());
		QuarantineResult result = this.quarantine.quarantine(GROUP, formerEpoch, id, entry(PoisonPolicy.HOLD_KEY));
		assertThat(result.outcome()).isEqualTo(Outcome.FENCED);
		assertThat(result.isFenced()).isTrue();
		assertThat(result.currentEpoch()).isEqualTo(epoch);
		assertThat(result.ids()).isEmpty();
		assertThat(this.outbox.ids()).containsExactly(id);
		assertThat(this.quarantine.list(0, 10).items()).isEmpty();
		assertThat(this.quarantine.heldKeys()).isEmpty();
	}

	@Test
	void quarantineForGroupWithoutEpochIsFenced() {
		long id = this.outbox.insert(record("k", "v"));
		QuarantineResult result = this.quarantine.quarantine("unknown", 1, id, entry(PoisonPolicy.HOLD_KEY));
		assertThat(result.outcome()).isEqualTo(Outcome.FENCED);
		assertThat(result.currentEpoch()).isZero();
		assertThat(this.outbox.ids()).containsExactly(id);
	}

	@Test
	void quarantineOfRowNoLongerInOutboxReportsMissing() {
		long id = this.outbox.insert(record("k", "v"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		this.store.purge(GROUP, epoch, List.of(id));
		QuarantineResult result = this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.HOLD_KEY));
		assertThat(result.outcome()).isEqualTo(Outcome.MISSING);
		assertThat(result.isFenced()).isFalse();
		assertThat(result.ids()).isEmpty();
		assertThat(this.quarantine.list(0, 10).total()).isZero();
	}

	@Test
	void quarantineWaitsForEpochAcquisitionInProgressAndIsThenFenced() throws Exception {
		long id = this.outbox.insert(record("k", "v"));
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", UUID.randomUUID());
		try (Connection acquiring = this.outbox.dataSource().getConnection()) {
			// An epoch acquisition that has updated the group's row but not yet committed.
			acquiring.setAutoCommit(false);
			try (Statement statement = acquiring.createStatement()) {
				statement.execute("UPDATE " + SchemaScript.leaderTable(this.outbox.table()).sql()
						+ " SET epoch = epoch + 1 WHERE group_id = '" + GROUP + "'");
			}
			CompletableFuture<QuarantineResult> move = CompletableFuture.supplyAsync(
					() -> this.quarantine.quarantine(GROUP, formerEpoch, id, entry(PoisonPolicy.HOLD_KEY)));
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !move.isDone());
			acquiring.commit();
			QuarantineResult result = move.get(10, TimeUnit.SECONDS);
			assertThat(result.isFenced()).isTrue();
			assertThat(result.currentEpoch()).isEqualTo(formerEpoch + 1);
		}
		assertThat(this.outbox.ids()).containsExactly(id);
	}

	@Test
	void failedMoveLeavesRowInOutbox() {
		long id = this.outbox.insert(record("k", "v"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		// A row with the same id in quarantine makes the INSERT half of the move fail.
		execute("INSERT INTO " + this.outbox.table().quarantine().sql() + " (id, attempts, policy) VALUES (" + id
				+ ", 99, 'HOLD_KEY')");
		assertThatExceptionOfType(DataAccessException.class)
			.isThrownBy(() -> this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.HOLD_KEY)));
		assertThat(this.outbox.ids()).containsExactly(id);
		assertThat(this.quarantine.list(0, 10).items()).singleElement()
			.satisfies((row) -> assertThat(row.attempts()).isEqualTo(99));
	}

	@Test
	void holdKeyHoldsTheKeyAndSkipRecordDoesNot() {
		long held = this.outbox.insert(record("held", "v"));
		long skipped = this.outbox.insert(record("skipped", "v"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		this.quarantine.quarantine(GROUP, epoch, held, entry(PoisonPolicy.HOLD_KEY));
		this.quarantine.quarantine(GROUP, epoch, skipped, entry(PoisonPolicy.SKIP_RECORD));
		assertThat(this.quarantine.heldKeys()).containsOnlyKeys(new HeldKey(TOPIC, "held"));
		assertThat(this.quarantine.list(0, 10).items()).satisfiesExactly((row) -> {
			assertThat(row.id()).isEqualTo(held);
			assertThat(row.releasedAt()).isNull();
		}, (row) -> {
			assertThat(row.id()).isEqualTo(skipped);
			assertThat(row.policy()).isEqualTo(PoisonPolicy.SKIP_RECORD);
			assertThat(row.releasedAt()).isNotNull();
			assertThat(row.holdsKey()).isFalse();
		});
	}

	@Test
	void quarantineUnmarksTheKeysOtherRowsInTheSameTransaction() {
		long a1 = this.outbox.insert(record("a", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		long b1 = this.outbox.insert(record("b", "1"));
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);

		QuarantineResult result = this.quarantine.quarantine(GROUP, epoch, a1, entry(PoisonPolicy.HOLD_KEY),
				List.of(a2));

		assertThat(result.ids()).containsExactly(a1);
		assertThat(this.outbox.leaderIds()).containsEntry(a2, null).containsEntry(b1, leaderId);
	}

	@Test
	void quarantineOfAMissingRowUnmarksNothing() {
		long a1 = this.outbox.insert(record("a", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
		this.store.purge(GROUP, epoch, List.of(a1));

		QuarantineResult result = this.quarantine.quarantine(GROUP, epoch, a1, entry(PoisonPolicy.HOLD_KEY),
				List.of(a2));

		assertThat(result.outcome()).isEqualTo(Outcome.MISSING);
		assertThat(this.outbox.leaderIds()).containsEntry(a2, leaderId);
	}

	@Test
	void quarantineOfARowAnEarlierCallMovedCountsAsMoved() {
		long id = this.outbox.insert(record("a", "1"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.HOLD_KEY));

		QuarantineResult again = this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.HOLD_KEY));

		assertThat(again.outcome()).isEqualTo(Outcome.MOVED);
		assertThat(again.ids()).containsExactly(id);
		assertThat(this.quarantine.list(0, 10).total()).isOne();
	}

	@Test
	void parkMovesRowsOfAParkedKeyInIdOrderAndLeavesOtherRows() {
		long a1 = this.outbox.insert(record("a", "1"));
		long b1 = this.outbox.insert(record("b", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		long otherTopic = this.outbox.insert(OutboxRecord.builder("payments", "a").value("1").build());
		long a3 = this.outbox.insert(record("a", "3"));
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
		this.quarantine.quarantine(GROUP, epoch, a1, entry(PoisonPolicy.PARK_KEY));

		QuarantineResult parked = this.quarantine.park(GROUP, epoch, new HeldKey(TOPIC, "a"), List.of(a3, a2),
				entry(PoisonPolicy.PARK_KEY));

		assertThat(parked.outcome()).isEqualTo(Outcome.MOVED);
		assertThat(parked.ids()).containsExactly(a2, a3);
		assertThat(this.outbox.ids()).containsExactly(b1, otherTopic);
		assertThat(this.quarantine.list(0, 10).items()).extracting(QuarantinedRow::id, QuarantinedRow::policy)
			.containsExactly(tuple(a1, PoisonPolicy.PARK_KEY), tuple(a2, PoisonPolicy.PARK_KEY),
					tuple(a3, PoisonPolicy.PARK_KEY));
		assertThat(this.quarantine.heldKeys()).containsExactly(Map.entry(new HeldKey(TOPIC, "a"), PoisonPolicy.PARK_KEY));

		long a4 = this.outbox.insert(record("a", "4"));
		assertThat(this.quarantine.park(GROUP, epoch, new HeldKey(TOPIC, "a"), List.of(a4),
				entry(PoisonPolicy.PARK_KEY)).ids()).containsExactly(a4);
		QuarantineResult nothingLeft = this.quarantine.park(GROUP, epoch, new HeldKey(TOPIC, "a"), List.of(a4),
				entry(PoisonPolicy.PARK_KEY));
		assertThat(nothingLeft.outcome()).isEqualTo(Outcome.MISSING);
		assertThat(this.outbox.ids()).containsExactly(b1, otherTopic);
	}

	@Test
	void parkOfAKeyNoLongerHeldUnmarksTheRowsInsteadOfMovingThem() {
		long a1 = this.outbox.insert(record("a", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
		this.quarantine.quarantine(GROUP, epoch, a1, entry(PoisonPolicy.PARK_KEY));
		this.quarantine.replay(TOPIC, "a");

		QuarantineResult result = this.quarantine.park(GROUP, epoch, new HeldKey(TOPIC, "a"), List.of(a2),
				entry(PoisonPolicy.PARK_KEY));

		assertThat(result.outcome()).isEqualTo(Outcome.RELEASED);
		assertThat(result.ids()).isEmpty();
		assertThat(this.outbox.ids()).containsExactly(a1, a2);
		assertThat(this.outbox.leaderIds()).containsEntry(a1, null).containsEntry(a2, null);
		assertThat(this.quarantine.list(0, 10).total()).isZero();
	}

	@Test
	void parkWithStaleEpochIsFencedAndMovesNothing() {
		long a1 = this.outbox.insert(record("a", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", UUID.randomUUID());
		this.quarantine.quarantine(GROUP, formerEpoch, a1, entry(PoisonPolicy.PARK_KEY));
		this.store.acquireEpoch(GROUP, "current", UUID.randomUUID());
		QuarantineResult result = this.quarantine.park(GROUP, formerEpoch, new HeldKey(TOPIC, "a"), List.of(a2),
				entry(PoisonPolicy.PARK_KEY));
		assertThat(result.isFenced()).isTrue();
		assertThat(this.outbox.ids()).containsExactly(a2);
	}

	@Test
	void parkOnlyTakesParkKeyEntries() {
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.quarantine.park(GROUP, epoch, new HeldKey(TOPIC, "a"), List.of(1L),
					entry(PoisonPolicy.HOLD_KEY)))
			.withMessageContaining("PARK_KEY");
	}

	@ParameterizedTest
	@EnumSource(Shape.class)
	void retryPutsRowBackWithItsIdAheadOfItsKeysSuccessors(Shape shape) {
		try (TestOutbox shaped = TestOutbox.create(shape)) {
			JdbcOutboxStore shapedStore = new JdbcOutboxStore(shaped.dataSource(), shaped.table());
			JdbcQuarantineStore shapedQuarantine = new JdbcQuarantineStore(shaped.dataSource(), shaped.table());
			OutboxRecord first = record("k", "first");
			long r1 = shaped.insert(first);
			long r2 = shaped.insert(record("k", "second"));
			long r3 = shaped.insert(record("k", "third"));
			UUID leaderId = UUID.randomUUID();
			long epoch = shapedStore.acquireEpoch(GROUP, "instance", leaderId);
			shapedStore.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
			shapedQuarantine.quarantine(GROUP, epoch, r1, entry(PoisonPolicy.HOLD_KEY));
			assertThat(shapedQuarantine.heldKeys()).containsOnlyKeys(new HeldKey(TOPIC, "k"));
			// Operator actions are not fenced: a later leader's epoch does not matter.
			UUID nextLeaderId = UUID.randomUUID();
			long nextEpoch = shapedStore.acquireEpoch(GROUP, "next", nextLeaderId);

			QuarantineActionResult retried = shapedQuarantine.retry(r1);

			assertThat(retried).isEqualTo(new QuarantineActionResult(Action.RETRY, TOPIC, "k", List.of(r1), false));
			assertThat(shapedQuarantine.heldKeys()).isEmpty();
			assertThat(shapedQuarantine.list(0, 10).total()).isZero();
			assertThat(shaped.leaderIds()).containsEntry(r1, null);
			MarkResult marked = shapedStore.mark(GROUP, nextEpoch, nextLeaderId, 0, Long.MAX_VALUE, 10);
			assertThat(marked.rows()).extracting(OutboxRow::id).containsExactly(r1, r2, r3);
			assertThat(marked.rows().get(0).record()).isEqualTo(first);
		}
	}

	@Test
	void retryKeepsKeyHeldWhileOtherRowsOfKeyRemain() {
		long a1 = this.outbox.insert(record("a", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		parkKey(epoch, a1, a2);
		assertThat(this.quarantine.retry(a1).keyHeld()).isTrue();
		assertThat(this.quarantine.heldKeys()).containsOnlyKeys(new HeldKey(TOPIC, "a"));
		assertThat(this.quarantine.retry(a2).keyHeld()).isFalse();
		assertThat(this.quarantine.heldKeys()).isEmpty();
		assertThat(this.outbox.ids()).containsExactly(a1, a2);
	}

	@Test
	void retryOfIdNotInQuarantineIsRejectedClearly() {
		long id = this.outbox.insert(record("k", "v"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.retry(12345))
			.withMessageContaining("No row with id 12345 is in quarantine table");
		this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.HOLD_KEY));
		this.quarantine.retry(id);
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.retry(id))
			.withMessageContaining("No row with id " + id);
		assertThat(this.outbox.ids()).containsExactly(id);
	}

	@Test
	void retryKeepsOriginalIdInOutboxWithIdentityColumn() {
		TestDatabase database = TestInfrastructure.get().newDatabase();
		try (HikariDataSource dataSource = database.createDataSource()) {
			OutboxTable table = new OutboxTable(database.schema(), "outbox");
			TestDatabase.execute(dataSource, "CREATE TABLE " + table.sql() + " (id BIGINT GENERATED ALWAYS AS IDENTITY"
					+ " PRIMARY KEY, create_time TIMESTAMPTZ NOT NULL DEFAULT now(), kafka_topic TEXT NOT NULL,"
					+ " kafka_key TEXT NOT NULL, kafka_value BYTEA, kafka_header_keys TEXT[] NOT NULL,"
					+ " kafka_header_values TEXT[] NOT NULL, leader_id UUID)",
					"INSERT INTO " + table.sql() + " (kafka_topic, kafka_key, kafka_value, kafka_header_keys,"
							+ " kafka_header_values) VALUES ('t', 'k', 'a', '{}', '{}'), ('t', 'k', 'b', '{}', '{}')");
			new OutboxSchema(dataSource, table).verify();
			JdbcOutboxStore identityStore = new JdbcOutboxStore(dataSource, table);
			JdbcQuarantineStore identityQuarantine = new JdbcQuarantineStore(dataSource, table);
			long epoch = identityStore.acquireEpoch(GROUP, "instance", UUID.randomUUID());
			identityQuarantine.quarantine(GROUP, epoch, 1, entry(PoisonPolicy.HOLD_KEY));
			identityQuarantine.retry(1);
			UUID leaderId = UUID.randomUUID();
			assertThat(identityStore.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10).rows())
				.extracting(OutboxRow::id)
				.containsExactly(1L, 2L);
		}
	}

	@Test
	void replayPutsAllRowsOfKeyBackInIdOrder() {
		long a1 = this.outbox.insert(record("a", "1"));
		long b1 = this.outbox.insert(record("b", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		long a3 = this.outbox.insert(record("a", "3"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		parkKey(epoch, a1, a2, a3);
		this.quarantine.quarantine(GROUP, epoch, b1, entry(PoisonPolicy.HOLD_KEY));
		long a4 = this.outbox.insert(record("a", "4"));

		QuarantineActionResult replayed = this.quarantine.replay(TOPIC, "a");

		assertThat(replayed).isEqualTo(new QuarantineActionResult(Action.REPLAY, TOPIC, "a", List.of(a1, a2, a3), false));
		assertThat(this.quarantine.heldKeys()).containsOnlyKeys(new HeldKey(TOPIC, "b"));
		assertThat(this.quarantine.list(0, 10).items()).extracting(QuarantinedRow::id).containsExactly(b1);
		UUID leaderId = UUID.randomUUID();
		long nextEpoch = this.store.acquireEpoch(GROUP, "next", leaderId);
		MarkResult marked = this.store.mark(GROUP, nextEpoch, leaderId, 0, Long.MAX_VALUE, 10);
		assertThat(marked.rows()).extracting(OutboxRow::id).containsExactly(a1, a2, a3, a4);
		assertThat(marked.rows()).extracting((row) -> new String(row.record().value(), StandardCharsets.UTF_8))
			.containsExactly("1", "2", "3", "4");
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.replay(TOPIC, "a"))
			.withMessageContaining("Key 'a' of topic 'orders' has no rows in quarantine");
	}

	@Test
	void releaseKeepsRowsInQuarantineAndUnholdsKey() {
		long poison = this.outbox.insert(record("k", "1"));
		long successor = this.outbox.insert(record("k", "2"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		this.quarantine.quarantine(GROUP, epoch, poison, entry(PoisonPolicy.HOLD_KEY));

		QuarantineActionResult released = this.quarantine.release(TOPIC, "k");

		assertThat(released).isEqualTo(new QuarantineActionResult(Action.RELEASE, TOPIC, "k", List.of(poison), false));
		assertThat(this.quarantine.heldKeys()).isEmpty();
		assertThat(this.quarantine.listHeldKeys(0, 10)).isEmpty();
		assertThat(this.quarantine.list(0, 10).items()).singleElement().satisfies((row) -> {
			assertThat(row.id()).isEqualTo(poison);
			assertThat(row.releasedAt()).isNotNull();
		});
		assertThat(this.outbox.ids()).containsExactly(successor);
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.release(TOPIC, "k"))
			.withMessageContaining("Key 'k' of topic 'orders' is not held");
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.release(TOPIC, "unknown"))
			.withMessageContaining("is not held");
	}

	@ParameterizedTest
	@EnumSource(Shape.class)
	void malformedAndTombstoneRowsRoundTripThroughQuarantineUnchanged(Shape shape) {
		try (TestOutbox shaped = TestOutbox.create(shape)) {
			JdbcOutboxStore shapedStore = new JdbcOutboxStore(shaped.dataSource(), shaped.table());
			JdbcQuarantineStore shapedQuarantine = new JdbcQuarantineStore(shaped.dataSource(), shaped.table());
			List<Long> ids = new ArrayList<>();
			ids.add(shaped.insert(TOPIC, "unequal", "väl€ue 🚀".getBytes(StandardCharsets.UTF_8),
					new String[] { "a", "b" }, new String[] { "1" }));
			ids.add(shaped.insert(TOPIC, "null-header", null, new String[] { "a", null }, new String[] { "1", "2" }));
			ids.add(shaped.insert(OutboxRecord.builder(TOPIC, "tombstone").header("h", "v").build()));
			if (shape.binary()) {
				ids.add(shaped.insert(TOPIC, "not-utf8", new byte[] { 0, (byte) 0xff, (byte) 0xc3, 0x28 },
						new String[0], new String[0]));
			}
			List<List<@Nullable String>> stored = new ArrayList<>();
			for (long id : ids) {
				stored.add(recordColumns(shaped, shaped.table(), id));
			}
			UUID leaderId = UUID.randomUUID();
			long epoch = shapedStore.acquireEpoch(GROUP, "instance", leaderId);
			List<OutboxRow> before = shapedStore.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10).rows();

			for (long id : ids) {
				assertThat(shapedQuarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.HOLD_KEY)).ids())
					.containsExactly(id);
			}
			assertThat(shaped.ids()).isEmpty();
			for (int i = 0; i < ids.size(); i++) {
				assertThat(recordColumns(shaped, shaped.table().quarantine(), ids.get(i))).isEqualTo(stored.get(i));
			}
			for (long id : ids) {
				shapedQuarantine.retry(id);
			}
			for (int i = 0; i < ids.size(); i++) {
				assertThat(recordColumns(shaped, shaped.table(), ids.get(i))).isEqualTo(stored.get(i));
			}

			UUID nextLeaderId = UUID.randomUUID();
			List<OutboxRow> after = shapedStore.mark(GROUP, epoch, nextLeaderId, 0, Long.MAX_VALUE, 10).rows();
			assertThat(after).containsExactlyElementsOf(before);
			assertThat(after.get(0).defect()).contains("unequal number of header keys (2) and values (1)");
			assertThat(after.get(1).defect()).contains("header key 2 is NULL");
			assertThat(after.get(2).record().value()).isNull();
		}
	}

	@Test
	void rowWithNullTopicAndKeyIsMovedAndHoldsTheEmptyKey() {
		// A table that allows what both shipped tables forbid, as a hand-made outbox might.
		execute("ALTER TABLE " + this.outbox.table().sql() + " ALTER COLUMN kafka_topic DROP NOT NULL,"
				+ " ALTER COLUMN kafka_key DROP NOT NULL, ALTER COLUMN kafka_header_keys DROP NOT NULL,"
				+ " ALTER COLUMN create_time DROP NOT NULL",
				"INSERT INTO " + this.outbox.table().sql() + " (create_time, kafka_topic, kafka_key, kafka_value,"
						+ " kafka_header_keys, kafka_header_values) VALUES (NULL, NULL, NULL, 'v', NULL, '{}')");
		long id = this.outbox.ids().get(0);
		List<@Nullable String> stored = recordColumns(this.outbox, this.outbox.table(), id);
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());

		assertThat(this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.HOLD_KEY)).ids()).containsExactly(id);
		assertThat(recordColumns(this.outbox, this.outbox.table().quarantine(), id)).isEqualTo(stored);
		assertThat(this.quarantine.heldKeys()).containsOnlyKeys(new HeldKey("", ""));
		assertThat(this.quarantine.listHeldKeys(0, 10)).singleElement()
			.satisfies((key) -> assertThat(key.oldestId()).isEqualTo(id));
		assertThat(this.quarantine.list(0, 10).items()).singleElement()
			.satisfies((row) -> assertThat(row.headerKeys()).isEmpty());

		assertThat(this.quarantine.release("", "").ids()).containsExactly(id);
		assertThat(this.quarantine.heldKeys()).isEmpty();
		assertThat(this.quarantine.replay("", "").ids()).containsExactly(id);
		assertThat(recordColumns(this.outbox, this.outbox.table(), id)).isEqualTo(stored);

		assertThat(this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.PARK_KEY)).ids()).containsExactly(id);
		assertThat(this.quarantine.retry(id).ids()).containsExactly(id);
		assertThat(recordColumns(this.outbox, this.outbox.table(), id)).isEqualTo(stored);
	}

	@Test
	void listPagesRowsInIdOrderWithTheTotal() {
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		List<Long> ids = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			long id = this.outbox.insert(record("k" + i, "v"));
			this.quarantine.quarantine(GROUP, epoch, id, entry(PoisonPolicy.SKIP_RECORD));
			ids.add(id);
		}
		Page<QuarantinedRow> first = this.quarantine.list(0, 2);
		assertThat(first.items()).extracting(QuarantinedRow::id).containsExactlyElementsOf(ids.subList(0, 2));
		assertThat(first.total()).isEqualTo(5);
		assertThat(first.hasNext()).isTrue();
		Page<QuarantinedRow> last = this.quarantine.list(2, 2);
		assertThat(last.items()).extracting(QuarantinedRow::id).containsExactly(ids.get(4));
		assertThat(last.hasNext()).isFalse();
		Page<QuarantinedRow> beyond = this.quarantine.list(3, 2);
		assertThat(beyond.items()).isEmpty();
		assertThat(beyond.total()).isEqualTo(5);
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.list(-1, 2))
			.withMessageContaining("Page must not be negative");
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.list(0, 0))
			.withMessageContaining("Page size must be between 1 and 1000");
		assertThatIllegalArgumentException().isThrownBy(() -> this.quarantine.listHeldKeys(0, 1001))
			.withMessageContaining("Page size must be between 1 and 1000");
	}

	@Test
	void listHeldKeysCountsRowsPerKeyWithTheOldestId() {
		long a1 = this.outbox.insert(record("a", "1"));
		long b1 = this.outbox.insert(record("b", "1"));
		long c1 = this.outbox.insert(record("c", "1"));
		long a2 = this.outbox.insert(record("a", "2"));
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		parkKey(epoch, a1, a2);
		this.quarantine.quarantine(GROUP, epoch, b1, entry(PoisonPolicy.HOLD_KEY));
		this.quarantine.quarantine(GROUP, epoch, c1, entry(PoisonPolicy.SKIP_RECORD));

		List<HeldKeyView> keys = this.quarantine.listHeldKeys(0, 10);

		assertThat(keys).extracting(HeldKeyView::key, HeldKeyView::rows, HeldKeyView::oldestId, HeldKeyView::policy)
			.containsExactly(tuple("a", 2L, a1, PoisonPolicy.PARK_KEY), tuple("b", 1L, b1, PoisonPolicy.HOLD_KEY));
		assertThat(keys).allSatisfy((key) -> {
			assertThat(key.topic()).isEqualTo(TOPIC);
			assertThat(key.heldSince()).isAfter(FIRST_FAILURE);
		});
		assertThat(this.quarantine.listHeldKeys(1, 1)).extracting(HeldKeyView::key).containsExactly("b");
		assertThat(this.quarantine.heldKeys()).containsOnly(Map.entry(new HeldKey(TOPIC, "a"), PoisonPolicy.PARK_KEY),
				Map.entry(new HeldKey(TOPIC, "b"), PoisonPolicy.HOLD_KEY));
	}

	@Test
	void heldKeysAreReadThroughThePartialIndex() throws SQLException {
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		this.quarantine.quarantine(GROUP, epoch, this.outbox.insert(record("held", "v")),
				entry(PoisonPolicy.HOLD_KEY));
		execute("INSERT INTO " + this.outbox.table().quarantine().sql() + " (id, kafka_topic, kafka_key, attempts,"
				+ " policy, released_at) SELECT 1000000 + n, 'orders', 'k' || n, 1, 'SKIP_RECORD', now()"
				+ " FROM generate_series(1, 20000) AS n", "VACUUM ANALYZE " + this.outbox.table().quarantine().sql());
		StringBuilder plan = new StringBuilder();
		try (Connection connection = this.outbox.dataSource().getConnection();
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("EXPLAIN " + this.quarantine.sql().heldKeys())) {
			while (result.next()) {
				plan.append(result.getString(1)).append('\n');
			}
		}
		assertThat(plan).contains("using " + SchemaScript.heldKeyIndex(this.outbox.table()).table())
			.doesNotContain("Seq Scan");
		assertThat(this.quarantine.heldKeys()).containsExactly(Map.entry(new HeldKey(TOPIC, "held"), PoisonPolicy.HOLD_KEY));
	}

	/**
	 * Parks a key as the harvester does: its first row with the record's failure, then its
	 * later rows.
	 */
	private void parkKey(long epoch, long first, Long... later) {
		this.quarantine.quarantine(GROUP, epoch, first, entry(PoisonPolicy.PARK_KEY));
		this.quarantine.park(GROUP, epoch, new HeldKey(TOPIC, "a"), List.of(later), entry(PoisonPolicy.PARK_KEY));
	}

	private static OutboxRecord record(String key, String value) {
		return OutboxRecord.builder(TOPIC, key).value(value).build();
	}

	private static QuarantineEntry entry(PoisonPolicy policy) {
		return new QuarantineEntry(3, FIRST_FAILURE, LAST_FAILURE, "The message is 2000000 bytes when serialized",
				"org.apache.kafka.common.errors.RecordTooLargeException", policy);
	}

	/**
	 * Reads a row's record columns as text, the value as the hex of its UTF-8 bytes whether it
	 * is stored as text or as bytes, so that rows of the outbox and of the quarantine compare.
	 */
	private static List<@Nullable String> recordColumns(TestOutbox outbox, OutboxTable table, long id) {
		boolean binary = !table.equals(outbox.table()) || outbox.shape().binary();
		String value = binary ? "encode(kafka_value, 'hex')" : "encode(convert_to(kafka_value, 'UTF8'), 'hex')";
		String sql = "SELECT create_time::text, kafka_topic, kafka_key, " + value + ", kafka_header_keys::text,"
				+ " kafka_header_values::text FROM " + table.sql() + " WHERE id = ?";
		List<@Nullable String> columns = new ArrayList<>();
		try (Connection connection = outbox.dataSource().getConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setLong(1, id);
			try (ResultSet result = statement.executeQuery()) {
				assertThat(result.next()).as("row %d in %s", id, table).isTrue();
				for (int i = 1; i <= 6; i++) {
					columns.add(result.getString(i));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return columns;
	}

	private static byte[] quarantinedValue(TestOutbox outbox, long id) {
		String hex = recordColumns(outbox, outbox.table().quarantine(), id).get(3);
		return HexFormat.of().parseHex(hex);
	}

	private static @Nullable UUID leaderIdInQuarantine(TestOutbox outbox, long id) {
		try (Connection connection = outbox.dataSource().getConnection();
				PreparedStatement statement = connection
					.prepareStatement("SELECT leader_id FROM " + outbox.table().quarantine().sql() + " WHERE id = ?")) {
			statement.setLong(1, id);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getObject(1, UUID.class);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void execute(String... sql) {
		DataSource dataSource = this.outbox.dataSource();
		TestDatabase.execute(dataSource, sql);
	}

}
