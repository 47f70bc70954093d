package dev.harvest.outbox.membership;

import java.time.Duration;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.jdbc.JdbcOutboxStore;
import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link LeaderRecordReader} against a real PostgreSQL.
 */
class LeaderRecordReaderIntegrationTests {

	private static final String GROUP = "orders";

	private TestDatabase database;

	private HikariDataSource dataSource;

	private OutboxTable table;

	private LeaderRecordReader reader;

	@BeforeEach
	void createDataSource() {
		this.database = TestInfrastructure.get().newDatabase();
		this.dataSource = this.database.createDataSource(2);
		this.table = new OutboxTable(this.database.schema(), "outbox");
		this.reader = new LeaderRecordReader(this.dataSource, this.table, Duration.ofSeconds(5));
	}

	@AfterEach
	void closeDataSource() {
		this.dataSource.close();
	}

	@Test
	void readsTheEpochAndTheMarkTheLeaderRecorded() {
		new OutboxSchema(this.dataSource, this.table).initialize();
		JdbcOutboxStore store = new JdbcOutboxStore(this.dataSource, this.table);
		UUID leaderId = UUID.randomUUID();
		long epoch = store.acquireEpoch(GROUP, "pod-a", leaderId);
		LeaderRecord taken = this.reader.read(GROUP);
		assertThat(taken.epoch()).isEqualTo(epoch);
		assertThat(taken.leaderName()).isEqualTo("pod-a");
		assertThat(taken.leaderId()).isEqualTo(leaderId);
		assertThat(taken.acquiredAt()).isNotNull();
		assertThat(taken.lastMarkAt()).isNull();

		store.recordMark(GROUP, epoch);
		LeaderRecord marked = this.reader.read(GROUP);
		assertThat(marked.lastMarkAt()).isAfterOrEqualTo(taken.acquiredAt());
		assertThat(marked.currentLeaderLastMark()).isEqualTo(marked.lastMarkAt());

		long next = store.acquireEpoch(GROUP, "pod-b", UUID.randomUUID());
		LeaderRecord handedOver = this.reader.read(GROUP);
		assertThat(handedOver.epoch()).isEqualTo(next);
		assertThat(handedOver.lastMarkAt()).as("the former leader's mark stays").isEqualTo(marked.lastMarkAt());
		assertThat(handedOver.currentLeaderLastMark()).isEqualTo(handedOver.acquiredAt());
	}

	@Test
	void readsATableCreatedBeforeLeadersRecordedTheirMarks() {
		OutboxTable leader = this.table.inSameSchema("harvest_leader");
		TestDatabase.execute(this.dataSource, "CREATE TABLE " + leader.sql() + " (group_id TEXT PRIMARY KEY,"
				+ " epoch BIGINT NOT NULL, leader_name TEXT, leader_id UUID, acquired_at TIMESTAMPTZ)",
				"INSERT INTO " + leader.sql() + " VALUES ('" + GROUP + "', 4, 'pod-a', NULL, now())");
		LeaderRecord record = this.reader.read(GROUP);
		assertThat(record.epoch()).isEqualTo(4);
		assertThat(record.lastMarkAt()).isNull();
		assertThat(record.currentLeaderLastMark()).isNull();
	}

	@Test
	void missingTableOrGroupReadsAsNone() {
		assertThat(this.reader.read(GROUP)).isNull();
		new OutboxSchema(this.dataSource, this.table).initialize();
		assertThat(this.reader.read(GROUP)).isNull();
	}

}
