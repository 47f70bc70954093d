package dev.harvest.outbox.jdbc;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.dao.DataAccessException;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.jdbc.TestOutbox.Shape;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link JdbcOutboxStore} against a real PostgreSQL.
 */
class JdbcOutboxStoreIntegrationTests {

	private static final String GROUP = "harvest";

	private TestOutbox outbox;

	private JdbcOutboxStore store;

	@BeforeEach
	void createOutbox() {
		this.outbox = TestOutbox.create(Shape.RECOMMENDED);
		this.store = new JdbcOutboxStore(this.outbox.dataSource(), this.outbox.table());
	}

	@AfterEach
	void closeOutbox() {
		this.outbox.close();
	}

	@Test
	void markClaimsLowestIdsInOrderUpToLimit() {
		List<Long> ids = this.outbox.insertRows(5);
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		MarkResult result = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 3);
		assertThat(result.fenced()).isFalse();
		assertThat(result.currentEpoch()).isEqualTo(epoch);
		assertThat(rowIds(result)).containsExactlyElementsOf(ids.subList(0, 3));
		assertThat(result.rows()).extracting((row) -> row.record().key()).containsExactly("key-0", "key-1", "key-2");
		assertThat(this.outbox.leaderIds()).containsEntry(ids.get(0), leaderId)
			.containsEntry(ids.get(2), leaderId)
			.containsEntry(ids.get(3), null)
			.containsEntry(ids.get(4), null);
	}

	@Test
	void markReturnsRowsSortedByIdWhateverTheirPhysicalOrder() {
		List<Long> ids = this.outbox.insertRows(50);
		// Updating rows moves them to the end of the heap, out of id order.
		execute("UPDATE " + this.outbox.table().sql() + " SET kafka_key = kafka_key WHERE id % 3 = 0");
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		MarkResult result = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 100);
		assertThat(rowIds(result)).containsExactlyElementsOf(ids);
	}

	@Test
	void markConsidersOnlyIdsAfterAfterIdUpToUpToId() {
		List<Long> ids = this.outbox.insertRows(6);
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		MarkResult result = this.store.mark(GROUP, epoch, leaderId, ids.get(1), ids.get(4), 100);
		assertThat(rowIds(result)).containsExactly(ids.get(2), ids.get(3), ids.get(4));
		assertThat(this.outbox.leaderIds()).containsEntry(ids.get(1), null).containsEntry(ids.get(5), null);
	}

	@Test
	void markSkipsRowsAlreadyMarkedWithCallersLeaderId() {
		List<Long> ids = this.outbox.insertRows(4);
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		MarkResult first = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 2);
		MarkResult second = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 2);
		MarkResult third = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 2);
		assertThat(rowIds(first)).containsExactly(ids.get(0), ids.get(1));
		assertThat(rowIds(second)).containsExactly(ids.get(2), ids.get(3));
		assertThat(third.rows()).isEmpty();
		assertThat(third.fenced()).isFalse();
		assertThat(third.currentEpoch()).isEqualTo(epoch);
	}

	@Test
	void markReclaimsRowsOfAnotherLeaderIdAtOnce() {
		List<Long> ids = this.outbox.insertRows(3);
		UUID formerLeaderId = UUID.randomUUID();
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", formerLeaderId);
		this.store.mark(GROUP, formerEpoch, formerLeaderId, 0, Long.MAX_VALUE, 2);
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "current", leaderId);
		MarkResult result = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
		assertThat(rowIds(result)).containsExactlyElementsOf(ids);
		assertThat(this.outbox.leaderIds()).containsOnlyKeys(ids).allSatisfy((id, owner) -> assertThat(owner).isEqualTo(leaderId));
	}

	@Test
	void remarkWithNewLeaderIdInSameEpochReclaimsOwnRows() {
		List<Long> ids = this.outbox.insertRows(2);
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
		UUID refreshedLeaderId = UUID.randomUUID();
		MarkResult result = this.store.mark(GROUP, epoch, refreshedLeaderId, 0, Long.MAX_VALUE, 10);
		assertThat(rowIds(result)).containsExactlyElementsOf(ids);
	}

	@Test
	void markLeavesOutRowsOfHeldKeys() {
		long held1 = this.outbox.insert(OutboxRecord.builder("orders", "held").value("1").build());
		long free = this.outbox.insert(OutboxRecord.builder("orders", "free").value("1").build());
		long sameKeyOtherTopic = this.outbox.insert(OutboxRecord.builder("payments", "held").value("1").build());
		long held2 = this.outbox.insert(OutboxRecord.builder("orders", "held").value("2").build());
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);

		MarkResult result = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10,
				List.of(new HeldKey("orders", "held"), new HeldKey("elsewhere", "x")));

		assertThat(rowIds(result)).containsExactly(free, sameKeyOtherTopic);
		assertThat(this.outbox.leaderIds()).containsEntry(held1, null).containsEntry(held2, null);
		assertThat(rowIds(this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10))).containsExactly(held1,
				held2);
	}

	@Test
	void unmarkTakesTheLeaderIdOffOnlyForTheCurrentEpoch() {
		List<Long> ids = this.outbox.insertRows(3);
		UUID formerLeaderId = UUID.randomUUID();
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", formerLeaderId);
		this.store.mark(GROUP, formerEpoch, formerLeaderId, 0, Long.MAX_VALUE, 10);

		MarkResult unmarked = this.store.unmark(GROUP, formerEpoch, List.of(ids.get(0), ids.get(2)));
		assertThat(unmarked.fenced()).isFalse();
		assertThat(this.outbox.leaderIds()).containsEntry(ids.get(0), null)
			.containsEntry(ids.get(1), formerLeaderId)
			.containsEntry(ids.get(2), null);

		long epoch = this.store.acquireEpoch(GROUP, "current", UUID.randomUUID());
		MarkResult fenced = this.store.unmark(GROUP, formerEpoch, List.of(ids.get(1)));
		assertThat(fenced.fenced()).isTrue();
		assertThat(fenced.currentEpoch()).isEqualTo(epoch);
		assertThat(this.outbox.leaderIds()).containsEntry(ids.get(1), formerLeaderId);
	}

	@Test
	void lateCommittedLowerIdIsFoundByHeadRescan() throws SQLException {
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		try (Connection slow = this.outbox.dataSource().getConnection()) {
			slow.setAutoCommit(false);
			long lateId = this.outbox.insert(slow, "late");
			long earlyId = this.outbox.insertRows(1).get(0);
			assertThat(lateId).isLessThan(earlyId);

			MarkResult forward = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
			assertThat(rowIds(forward)).containsExactly(earlyId);
			long cursor = earlyId;
			slow.commit();

			assertThat(this.store.mark(GROUP, epoch, leaderId, cursor, Long.MAX_VALUE, 10).rows()).isEmpty();
			MarkResult rescan = this.store.mark(GROUP, epoch, leaderId, 0, cursor, 10);
			assertThat(rowIds(rescan)).containsExactly(lateId);
			assertThat(rescan.rows().get(0).record().key()).isEqualTo("late");
		}
	}

	@Test
	void markReportsTheTransactionHorizonOfItsSnapshot() throws SQLException {
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		long openXid;
		try (Connection open = this.outbox.dataSource().getConnection()) {
			open.setAutoCommit(false);
			this.outbox.insert(open, "open");
			try (Statement statement = open.createStatement();
					ResultSet result = statement.executeQuery("SELECT txid_current()")) {
				result.next();
				openXid = result.getLong(1);
			}
			MarkResult during = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
			assertThat(during.rows()).isEmpty();
			assertThat(during.snapshotXmin()).as("the open transaction is still running").isLessThanOrEqualTo(openXid);
			assertThat(during.transactionId()).as("taken after the open transaction's").isGreaterThan(openXid);
			open.rollback();
		}
		MarkResult after = this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
		assertThat(after.snapshotXmin()).as("the open transaction has ended").isGreaterThan(openXid);
		assertThat(after.transactionId()).isGreaterThanOrEqualTo(after.snapshotXmin());
	}

	@Test
	void acquireEpochIncreasesMonotonicallyPerGroup() {
		assertThat(this.store.acquireEpoch("one", "a", UUID.randomUUID())).isEqualTo(1);
		assertThat(this.store.acquireEpoch("one", "b", UUID.randomUUID())).isEqualTo(2);
		assertThat(this.store.acquireEpoch("two", "a", UUID.randomUUID())).isEqualTo(1);
		assertThat(this.store.acquireEpoch("one", "a", UUID.randomUUID())).isEqualTo(3);
		assertThat(this.store.acquireEpoch("two", "b", UUID.randomUUID())).isEqualTo(2);
	}

	@Test
	void acquireEpochRecordsTheLeader() throws SQLException {
		UUID leaderId = UUID.randomUUID();
		this.store.acquireEpoch(GROUP, "instance-1", leaderId);
		try (Connection connection = this.outbox.dataSource().getConnection();
				PreparedStatement statement = connection.prepareStatement("SELECT epoch, leader_name, leader_id,"
						+ " acquired_at IS NOT NULL FROM " + SchemaScript.leaderTable(this.outbox.table()).sql()
						+ " WHERE group_id = ?")) {
			statement.setString(1, GROUP);
			try (ResultSet result = statement.executeQuery()) {
				assertThat(result.next()).isTrue();
				assertThat(result.getLong(1)).isEqualTo(1);
				assertThat(result.getString(2)).isEqualTo("instance-1");
				assertThat(result.getObject(3, UUID.class)).isEqualTo(leaderId);
				assertThat(result.getBoolean(4)).isTrue();
			}
		}
	}

	@Test
	void recordMarkStampsTheCurrentEpochOnlyAndLeavesNoTransactionOpen() throws SQLException {
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", UUID.randomUUID());
		long epoch = this.store.acquireEpoch(GROUP, "current", UUID.randomUUID());
		this.store.recordMark(GROUP, formerEpoch);
		assertThat(lastMarkAt()).as("a former leader's mark is not the current leader's").isNull();
		this.store.recordMark(GROUP, epoch);
		Timestamp first = lastMarkAt();
		assertThat(first).isNotNull();
		this.store.recordMark(GROUP, epoch);
		assertThat(lastMarkAt()).isAfter(first);
		this.store.recordMark("unknown", 1);
		// The row is not left locked: a new leader can take the next epoch at once.
		assertThat(this.store.acquireEpoch(GROUP, "next", UUID.randomUUID())).isEqualTo(epoch + 1);
	}

	private @Nullable Timestamp lastMarkAt() throws SQLException {
		try (Connection connection = this.outbox.dataSource().getConnection();
				PreparedStatement statement = connection.prepareStatement("SELECT last_mark_at FROM "
						+ SchemaScript.leaderTable(this.outbox.table()).sql() + " WHERE group_id = ?")) {
			statement.setString(1, GROUP);
			try (ResultSet result = statement.executeQuery()) {
				assertThat(result.next()).isTrue();
				return result.getTimestamp(1);
			}
		}
	}

	@Test
	void staleEpochMarkIsFencedAndChangesNoRow() {
		this.outbox.insertRows(3);
		UUID formerLeaderId = UUID.randomUUID();
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", formerLeaderId);
		long epoch = this.store.acquireEpoch(GROUP, "current", UUID.randomUUID());
		MarkResult result = this.store.mark(GROUP, formerEpoch, formerLeaderId, 0, Long.MAX_VALUE, 10);
		assertThat(result.fenced()).isTrue();
		assertThat(result.currentEpoch()).isEqualTo(epoch);
		assertThat(result.rows()).isEmpty();
		assertThat(this.outbox.leaderIds().values()).containsOnlyNulls();
	}

	@Test
	void staleEpochMarkCannotTakeRowsBackFromNewLeader() {
		List<Long> ids = this.outbox.insertRows(2);
		UUID formerLeaderId = UUID.randomUUID();
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", formerLeaderId);
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "current", leaderId);
		this.store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10);
		MarkResult result = this.store.mark(GROUP, formerEpoch, formerLeaderId, 0, Long.MAX_VALUE, 10);
		assertThat(result.fenced()).isTrue();
		assertThat(this.outbox.leaderIds()).containsEntry(ids.get(0), leaderId).containsEntry(ids.get(1), leaderId);
	}

	@Test
	void markOfUnknownGroupIsFenced() {
		this.outbox.insertRows(2);
		this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		MarkResult result = this.store.mark("unknown", 1, UUID.randomUUID(), 0, Long.MAX_VALUE, 10);
		assertThat(result.fenced()).isTrue();
		assertThat(result.currentEpoch()).isZero();
		assertThat(result.rows()).isEmpty();
		assertThat(this.outbox.leaderIds().values()).containsOnlyNulls();
	}

	@Test
	void acquireEpochWaitsForMarkInProgress() throws Exception {
		long epoch = this.store.acquireEpoch(GROUP, "former", UUID.randomUUID());
		try (Connection marking = this.outbox.dataSource().getConnection()) {
			// What a mark statement holds until it commits.
			marking.setAutoCommit(false);
			lockLeaderRow(marking, "FOR SHARE");
			CompletableFuture<Long> acquisition = CompletableFuture
				.supplyAsync(() -> this.store.acquireEpoch(GROUP, "current", UUID.randomUUID()));
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !acquisition.isDone());
			marking.commit();
			assertThat(acquisition.get(10, TimeUnit.SECONDS)).isEqualTo(epoch + 1);
		}
	}

	@Test
	void markWaitsForEpochAcquisitionInProgressAndIsThenFenced() throws Exception {
		this.outbox.insertRows(2);
		UUID formerLeaderId = UUID.randomUUID();
		long formerEpoch = this.store.acquireEpoch(GROUP, "former", formerLeaderId);
		try (Connection acquiring = this.outbox.dataSource().getConnection()) {
			// An acquireEpoch that has updated the row but not yet committed.
			acquiring.setAutoCommit(false);
			try (Statement statement = acquiring.createStatement()) {
				statement.execute("UPDATE " + SchemaScript.leaderTable(this.outbox.table()).sql()
						+ " SET epoch = epoch + 1 WHERE group_id = '" + GROUP + "'");
			}
			CompletableFuture<MarkResult> mark = CompletableFuture
				.supplyAsync(() -> this.store.mark(GROUP, formerEpoch, formerLeaderId, 0, Long.MAX_VALUE, 10));
			await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !mark.isDone());
			acquiring.commit();
			MarkResult result = mark.get(10, TimeUnit.SECONDS);
			assertThat(result.fenced()).isTrue();
			assertThat(result.currentEpoch()).isEqualTo(formerEpoch + 1);
		}
		assertThat(this.outbox.leaderIds().values()).containsOnlyNulls();
	}

	@Test
	void statementThatCannotFinishTimesOut() throws SQLException {
		JdbcOutboxStore impatient = new JdbcOutboxStore(this.outbox.dataSource(), this.outbox.table(),
				Duration.ofSeconds(1));
		UUID leaderId = UUID.randomUUID();
		long epoch = impatient.acquireEpoch(GROUP, "instance", leaderId);
		try (Connection blocking = this.outbox.dataSource().getConnection()) {
			blocking.setAutoCommit(false);
			lockLeaderRow(blocking, "FOR UPDATE");
			long start = System.nanoTime();
			assertThatExceptionOfType(DataAccessException.class)
				.isThrownBy(() -> impatient.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			blocking.rollback();
		}
	}

	@Test
	void markCommitsOnPoolWithoutAutoCommit() {
		List<Long> ids = this.outbox.insertRows(2);
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(this.outbox.database().jdbcUrl());
		config.setUsername(this.outbox.database().username());
		config.setPassword(this.outbox.database().password());
		config.setMaximumPoolSize(2);
		config.setAutoCommit(false);
		try (HikariDataSource manualCommit = new HikariDataSource(config)) {
			JdbcOutboxStore manualStore = new JdbcOutboxStore(manualCommit, this.outbox.table());
			UUID leaderId = UUID.randomUUID();
			long epoch = manualStore.acquireEpoch(GROUP, "instance", leaderId);
			assertThat(rowIds(manualStore.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 10)))
				.containsExactlyElementsOf(ids);
			assertThat(manualStore.purge(GROUP, epoch, List.of(ids.get(0))).deleted()).isOne();
		}
		assertThat(this.outbox.ids()).containsExactly(ids.get(1));
		assertThat(this.store.acquireEpoch(GROUP, "other", UUID.randomUUID())).isEqualTo(2);
	}

	@Test
	void purgeDeletesExactlyTheGivenIds() {
		List<Long> ids = this.outbox.insertRows(5);
		long epoch = this.store.acquireEpoch(GROUP, "instance", UUID.randomUUID());
		PurgeResult purged = this.store.purge(GROUP, epoch, List.of(ids.get(0), ids.get(2), ids.get(4) + 1000));
		assertThat(purged).isEqualTo(new PurgeResult(2, epoch, false));
		assertThat(this.outbox.ids()).containsExactly(ids.get(1), ids.get(3), ids.get(4));
		assertThat(this.store.purge(GROUP, epoch, List.of(ids.get(0))).deleted()).isZero();
		assertThat(this.store.purge(GROUP, epoch, List.of()).deleted()).isZero();
	}

	@Test
	void purgeUnderStaleEpochDeletesNothingAndReportsTheCurrentEpoch() {
		List<Long> ids = this.outbox.insertRows(3);
		long former = this.store.acquireEpoch(GROUP, "former", UUID.randomUUID());
		long current = this.store.acquireEpoch(GROUP, "current", UUID.randomUUID());
		assertThat(this.store.purge(GROUP, former, ids)).isEqualTo(new PurgeResult(0, current, true));
		assertThat(this.outbox.ids()).containsExactlyElementsOf(ids);
		assertThat(this.store.purge("another-group", current, ids).fenced()).isTrue();
		assertThat(this.store.purge(GROUP, current, ids)).isEqualTo(new PurgeResult(3, current, false));
	}

	@ParameterizedTest
	@EnumSource(Shape.class)
	void recordRoundTripsWithTombstoneAndRepeatedHeaderKeys(Shape shape) {
		try (TestOutbox shaped = TestOutbox.create(shape)) {
			JdbcOutboxStore shapedStore = new JdbcOutboxStore(shaped.dataSource(), shaped.table());
			OutboxRecord record = OutboxRecord.builder("orders", "order-1")
				.value("{\"total\": \"12 €\"}")
				.header("trace", "a")
				.header("type", "created")
				.header("trace", "b")
				.build();
			OutboxRecord tombstone = OutboxRecord.builder("orders", "order-2").value((byte[]) null).build();
			long recordId = shaped.insert(record);
			long tombstoneId = shaped.insert(tombstone);
			List<OutboxRow> rows = markAll(shapedStore);
			assertThat(rows).extracting(OutboxRow::id).containsExactly(recordId, tombstoneId);
			assertThat(rows).allSatisfy((row) -> assertThat(row.isDefective()).isFalse());
			assertThat(rows.get(0).record()).isEqualTo(record);
			assertThat(rows.get(0).record().headers()).containsExactly(new OutboxHeader("trace", "a"),
					new OutboxHeader("type", "created"), new OutboxHeader("trace", "b"));
			assertThat(rows.get(1).record().value()).isNull();
			assertThat(rows.get(1).record()).isEqualTo(tombstone);
			assertThat(rows.get(0).createTime()).isNotNull();
		}
	}

	@Test
	void binaryValueRoundTripsInRecommendedTable() {
		byte[] value = { 0, (byte) 0xff, (byte) 0xfe, 10, 0, 42 };
		long id = this.outbox.insert("topic", "key", value, new String[0], new String[0]);
		List<OutboxRow> rows = markAll(this.store);
		assertThat(rows).singleElement().satisfies((row) -> {
			assertThat(row.id()).isEqualTo(id);
			assertThat(row.record().value()).containsExactly(value);
		});
	}

	@ParameterizedTest
	@EnumSource(Shape.class)
	void unequalHeaderArraysMakeDefectiveRowAndLeaveRestOfBatchIntact(Shape shape) {
		try (TestOutbox shaped = TestOutbox.create(shape)) {
			JdbcOutboxStore shapedStore = new JdbcOutboxStore(shaped.dataSource(), shaped.table());
			long before = shaped.insert(OutboxRecord.builder("t", "k1").value("one").header("h", "1").build());
			long defective = shaped.insert("t", "k2", "two".getBytes(StandardCharsets.UTF_8), new String[] { "a", "b" },
					new String[] { "1" });
			long after = shaped.insert(OutboxRecord.builder("t", "k3").value("three").build());
			List<OutboxRow> rows = markAll(shapedStore);
			assertThat(rows).extracting(OutboxRow::id).containsExactly(before, defective, after);
			OutboxRow row = rows.get(1);
			assertThat(row.isDefective()).isTrue();
			assertThat(row.defect()).contains("row " + defective)
				.contains("unequal number of header keys (2) and values (1)");
			assertThat(row.record().headers()).isEmpty();
			assertThat(row.record().key()).isEqualTo("k2");
			assertThat(new String(row.record().value(), StandardCharsets.UTF_8)).isEqualTo("two");
			assertThat(rows.get(0).isDefective()).isFalse();
			assertThat(rows.get(0).record().headers()).containsExactly(new OutboxHeader("h", "1"));
			assertThat(rows.get(2).isDefective()).isFalse();
		}
	}

	@Test
	void nullHeaderElementMakesDefectiveRow() {
		long id = this.outbox.insert("t", "k", null, new String[] { "a", null }, new String[] { "1", "2" });
		List<OutboxRow> rows = markAll(this.store);
		assertThat(rows).singleElement().satisfies((row) -> {
			assertThat(row.id()).isEqualTo(id);
			assertThat(row.defect()).contains("header key 2 is NULL");
			assertThat(row.record().headers()).isEmpty();
		});
	}

	@Test
	void markPlanIsPrimaryKeyRangeScan() throws SQLException {
		this.outbox.insertRows(20_000);
		execute("ANALYZE " + this.outbox.table().sql());
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		for (String mode : List.of("force_custom_plan", "force_generic_plan")) {
			for (long afterId : List.of(0L, 19_000L)) {
				String plan = explainExecute(mode, epoch, leaderId, afterId);
				// An ordered primary key scan that starts above afterId and stops at the limit,
				// and a primary key lookup for the UPDATE.
				assertThat(plan)
					.containsPattern("->  Limit .*\\R(.*\\R){0,6}\\s+->  Index Scan using outbox_pkey on outbox  \\(.*\\R"
							+ "\\s+Index Cond: \\(\\(id > .*\\) AND \\(id <= .*\\)\\)")
					.containsPattern("Index Scan using outbox_pkey on outbox outbox_1 .*\\R\\s+Index Cond: \\(id = ANY")
					.doesNotContain("Seq Scan on outbox")
					.doesNotContain("Bitmap");
			}
		}
	}

	private String explainExecute(String planCacheMode, long epoch, UUID leaderId, long afterId) throws SQLException {
		StringBuilder plan = new StringBuilder();
		try (Connection connection = this.outbox.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("SET plan_cache_mode = " + planCacheMode);
			statement.execute("PREPARE mark_plan (text, uuid, bigint, bigint, uuid, bigint, int) AS "
					+ withNumberedParameters(this.store.markSql()));
			try (ResultSet result = statement.executeQuery("EXPLAIN EXECUTE mark_plan ('" + GROUP + "', '" + leaderId
					+ "', " + afterId + ", " + Long.MAX_VALUE + ", '" + leaderId + "', " + epoch + ", 100)")) {
				while (result.next()) {
					plan.append(result.getString(1)).append('\n');
				}
			}
			finally {
				statement.execute("DEALLOCATE mark_plan");
				statement.execute("RESET plan_cache_mode");
			}
		}
		return plan.toString();
	}

	@Test
	void markFromCursorDoesNotVisitPurgedRows() throws SQLException {
		execute("ALTER TABLE " + this.outbox.table().sql() + " SET (autovacuum_enabled = false)");
		List<Long> ids = this.outbox.insertRows(20_000);
		UUID leaderId = UUID.randomUUID();
		long epoch = this.store.acquireEpoch(GROUP, "instance", leaderId);
		long cursor = ids.get(ids.size() - 101);
		this.store.purge(GROUP, epoch, ids.subList(0, ids.size() - 100));
		long fromHead = buffersTouched(epoch, leaderId, 0);
		long fromCursor = buffersTouched(epoch, leaderId, cursor);
		assertThat(fromCursor).isLessThan(20);
		assertThat(fromHead).isGreaterThan(fromCursor * 10);
	}

	private long buffersTouched(long epoch, UUID leaderId, long afterId) throws SQLException {
		try (Connection connection = this.outbox.dataSource().getConnection()) {
			connection.setAutoCommit(false);
			try (PreparedStatement statement = connection
				.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + this.store.markSql())) {
				statement.setString(1, GROUP);
				statement.setObject(2, leaderId);
				statement.setLong(3, afterId);
				statement.setLong(4, Long.MAX_VALUE);
				statement.setObject(5, leaderId);
				statement.setLong(6, epoch);
				statement.setInt(7, 100);
				StringBuilder plan = new StringBuilder();
				try (ResultSet result = statement.executeQuery()) {
					while (result.next()) {
						plan.append(result.getString(1)).append('\n');
					}
				}
				assertThat(plan).contains("rows=100 loops=1");
				// The Limit node is the selection of candidate rows, before the UPDATE itself.
				Matcher buffers = Pattern.compile("->  Limit .*\\R\\s+Buffers: shared hit=(\\d+)(?: read=(\\d+))?")
					.matcher(plan);
				assertThat(buffers.find()).as(plan.toString()).isTrue();
				return Long.parseLong(buffers.group(1)) + ((buffers.group(2) != null) ? Long.parseLong(buffers.group(2)) : 0);
			}
			finally {
				connection.rollback();
			}
		}
	}

	private static String withNumberedParameters(String sql) {
		StringBuilder numbered = new StringBuilder();
		int parameter = 0;
		for (char c : sql.toCharArray()) {
			if (c == '?') {
				numbered.append('$').append(++parameter);
			}
			else {
				numbered.append(c);
			}
		}
		return numbered.toString();
	}

	private void lockLeaderRow(Connection connection, String lock) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("SELECT epoch FROM " + SchemaScript.leaderTable(this.outbox.table()).sql()
					+ " WHERE group_id = '" + GROUP + "' " + lock);
		}
	}

	private void execute(String sql) {
		TestDatabase.execute(this.outbox.dataSource(), sql);
	}

	private static List<OutboxRow> markAll(JdbcOutboxStore store) {
		UUID leaderId = UUID.randomUUID();
		long epoch = store.acquireEpoch(GROUP, "instance", leaderId);
		List<OutboxRow> rows = new ArrayList<>();
		MarkResult result;
		do {
			result = store.mark(GROUP, epoch, leaderId, 0, Long.MAX_VALUE, 100);
			assertThat(result.fenced()).isFalse();
			rows.addAll(result.rows());
		}
		while (!result.rows().isEmpty());
		return rows;
	}

	private static List<Long> rowIds(MarkResult result) {
		return result.rows().stream().map(OutboxRow::id).toList();
	}

}
