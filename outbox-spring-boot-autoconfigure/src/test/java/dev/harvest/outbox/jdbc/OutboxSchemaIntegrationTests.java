package dev.harvest.outbox.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Integration tests for {@link OutboxSchema} against a real PostgreSQL.
 */
class OutboxSchemaIntegrationTests {

	/** The quarantine table as the first version of the recommended DDL created it. */
	private static final String OLD_QUARANTINE_DDL = """
			CREATE TABLE %s (id BIGINT PRIMARY KEY, create_time TIMESTAMPTZ NOT NULL,
			kafka_topic VARCHAR(249) NOT NULL, kafka_key VARCHAR(100) NOT NULL, kafka_value BYTEA,
			kafka_header_keys TEXT[] NOT NULL, kafka_header_values TEXT[] NOT NULL, leader_id UUID,
			attempts INT NOT NULL, first_failure_time TIMESTAMPTZ, last_failure_time TIMESTAMPTZ,
			last_error TEXT, error_class TEXT, policy TEXT, quarantined_at TIMESTAMPTZ NOT NULL DEFAULT now())""";

	/** The leader epoch table as the recommended DDL created it before leaders recorded their marks. */
	private static final String OLD_LEADER_DDL = "CREATE TABLE %s (group_id TEXT PRIMARY KEY, epoch BIGINT NOT NULL,"
			+ " leader_name TEXT, leader_id UUID, acquired_at TIMESTAMPTZ)";

	private TestDatabase database;

	private HikariDataSource dataSource;

	private OutboxTable table;

	@BeforeEach
	void createDatabase() {
		this.database = TestInfrastructure.get().newDatabase();
		this.dataSource = this.database.createDataSource();
		this.table = new OutboxTable(this.database.schema(), "outbox");
	}

	@AfterEach
	void closeDataSource() {
		this.dataSource.close();
	}

	@Test
	void verifyOnMissingTableExplainsHowToCreateIt() {
		OutboxSchema schema = new OutboxSchema(this.dataSource, this.table);
		assertThatExceptionOfType(OutboxTableMissingException.class).isThrownBy(schema::verify)
			.satisfies((ex) -> {
				assertThat(ex.getTable()).isEqualTo(this.table);
				assertThat(ex.getProblems()).isEmpty();
				assertThat(ex.getDdl()).isEqualTo(schema.ddl());
			})
			.withMessageContaining("Outbox table " + this.table.sql() + " does not exist")
			.withMessageContaining("harvest.schema.initialize=true")
			.withMessageContaining("CREATE TABLE IF NOT EXISTS " + this.table.sql() + " (")
			.withMessageContaining("kafka_value BYTEA");
		assertThat(exists(SchemaScript.leaderTable(this.table))).isFalse();
	}

	@Test
	void verifyOnIncompleteTableNamesWhatIsWrong() {
		execute("CREATE TABLE " + this.table.sql() + " (id BIGSERIAL PRIMARY KEY, create_time TIMESTAMPTZ,"
				+ " kafka_topic TEXT, kafka_key TEXT, kafka_header_keys TEXT, kafka_header_values TEXT[],"
				+ " leader_id TEXT)");
		OutboxSchema schema = new OutboxSchema(this.dataSource, this.table);
		assertThatExceptionOfType(OutboxTableMissingException.class).isThrownBy(schema::verify)
			.satisfies((ex) -> assertThat(ex.getProblems()).containsExactly("column kafka_value is missing",
					"column kafka_header_keys is text but must be text[]", "column leader_id is text but must be uuid"))
			.withMessageContaining("does not have the columns Harvest needs")
			.withMessageContaining("CREATE TABLE IF NOT EXISTS");
	}

	@Test
	void verifyOnValueColumnOfAnotherTypeNamesWhatIsWrong() {
		execute("CREATE TABLE " + this.table.sql() + " (id BIGSERIAL PRIMARY KEY, create_time TIMESTAMPTZ NOT NULL,"
				+ " kafka_topic TEXT NOT NULL, kafka_key TEXT NOT NULL, kafka_value JSONB, kafka_header_keys TEXT[] NOT NULL,"
				+ " kafka_header_values TEXT[] NOT NULL, leader_id UUID)");
		OutboxSchema schema = new OutboxSchema(this.dataSource, this.table);
		assertThatExceptionOfType(OutboxTableMissingException.class).isThrownBy(schema::verify)
			.satisfies((ex) -> assertThat(ex.getProblems())
				.containsExactly("column kafka_value is jsonb but must be bytea or varchar"));
	}

	@Test
	void verifyAcceptsGoharvestTableAndCreatesHarvestsOwnTables() {
		execute(SchemaScript.load(SchemaScript.GOHARVEST, this.table).statementCreating(this.table).sql());
		assertThat(exists(SchemaScript.leaderTable(this.table))).isFalse();
		assertThat(exists(this.table.quarantine())).isFalse();
		new OutboxSchema(this.dataSource, this.table).verify();
		assertThat(exists(SchemaScript.leaderTable(this.table))).isTrue();
		assertThat(exists(this.table.quarantine())).isTrue();
		assertThat(exists(SchemaScript.heldKeyIndex(this.table))).isTrue();
		assertThatNoException().isThrownBy(new OutboxSchema(this.dataSource, this.table)::verify);
	}

	@Test
	void initializeCreatesAllTablesAndIsIdempotent() {
		OutboxTable unqualified = OutboxTable.of("outbox");
		OutboxSchema schema = new OutboxSchema(this.dataSource, unqualified);
		schema.initialize();
		assertThat(exists(this.table)).isTrue();
		assertThat(exists(SchemaScript.leaderTable(this.table))).isTrue();
		assertThat(exists(this.table.quarantine())).isTrue();
		assertThat(exists(SchemaScript.heldKeyIndex(this.table))).isTrue();
		assertThat(columns(this.table.quarantine())).containsExactly("id", "create_time", "kafka_topic", "kafka_key",
				"kafka_value", "kafka_header_keys", "kafka_header_values", "leader_id", "attempts",
				"first_failure_time", "last_failure_time", "last_error", "error_class", "policy", "quarantined_at",
				"released_at");

		JdbcOutboxStore store = new JdbcOutboxStore(this.dataSource, unqualified);
		store.acquireEpoch("group", "instance", UUID.randomUUID());
		insertWithDefaultCreateTime();
		schema.initialize();
		schema.verify();
		assertThat(count(this.table)).isOne();
		assertThat(store.acquireEpoch("group", "instance", UUID.randomUUID())).isEqualTo(2);
	}

	@Test
	void initializeAddsReleasedAtToQuarantineTableCreatedWithoutIt() {
		execute(SchemaScript.load(SchemaScript.RECOMMENDED, this.table).statementCreating(this.table).sql(),
				OLD_QUARANTINE_DDL.formatted(this.table.quarantine().sql()),
				"INSERT INTO " + this.table.quarantine().sql() + " (id, create_time, kafka_topic, kafka_key,"
						+ " kafka_header_keys, kafka_header_values, attempts, policy)"
						+ " VALUES (7, now(), 'topic', 'key', '{}', '{}', 3, 'HOLD_KEY')");
		assertThat(columns(this.table.quarantine())).doesNotContain("released_at");
		new OutboxSchema(this.dataSource, this.table).initialize();
		assertThat(columns(this.table.quarantine())).endsWith("quarantined_at", "released_at");
		assertThat(exists(SchemaScript.heldKeyIndex(this.table))).isTrue();
		assertThat(query("SELECT id || ':' || (released_at IS NULL) FROM " + this.table.quarantine().sql()))
			.containsExactly("7:true");
		assertThat(new JdbcQuarantineStore(this.dataSource, this.table).heldKeys())
			.containsOnlyKeys(new HeldKey("topic", "key"));
	}

	@Test
	void verifyAddsReleasedAtToQuarantineTableCreatedWithoutIt() {
		execute(SchemaScript.load(SchemaScript.RECOMMENDED, this.table).statementCreating(this.table).sql(),
				OLD_QUARANTINE_DDL.formatted(this.table.quarantine().sql()));
		new OutboxSchema(this.dataSource, this.table).verify();
		assertThat(columns(this.table.quarantine())).contains("released_at");
		assertThat(exists(SchemaScript.heldKeyIndex(this.table))).isTrue();
	}

	@Test
	void verifyAddsLastMarkAtToLeaderTableCreatedWithoutItNextToAGoharvestOutbox() {
		OutboxTable leader = SchemaScript.leaderTable(this.table);
		execute(SchemaScript.load(SchemaScript.GOHARVEST, this.table).statementCreating(this.table).sql(),
				OLD_LEADER_DDL.formatted(leader.sql()), "INSERT INTO " + leader.sql()
						+ " (group_id, epoch, leader_name, acquired_at) VALUES ('group', 4, 'pod-a', now())");
		assertThat(columns(leader)).doesNotContain("last_mark_at");
		new OutboxSchema(this.dataSource, this.table).verify();
		assertThat(columns(leader)).endsWith("acquired_at", "last_mark_at");
		JdbcOutboxStore store = new JdbcOutboxStore(this.dataSource, this.table);
		assertThat(store.acquireEpoch("group", "pod-b", UUID.randomUUID())).isEqualTo(5);
		store.recordMark("group", 5);
		assertThat(query("SELECT epoch || ':' || (last_mark_at >= acquired_at) FROM " + leader.sql()))
			.containsExactly("5:true");
	}

	@Test
	void initializeFromInstancesStartingTogetherSucceedsForAll() throws Exception {
		int instances = 4;
		CyclicBarrier start = new CyclicBarrier(instances);
		List<CompletableFuture<Void>> runs = new ArrayList<>();
		for (int i = 0; i < instances; i++) {
			runs.add(CompletableFuture.runAsync(() -> {
				OutboxSchema schema = new OutboxSchema(this.dataSource, this.table);
				try {
					start.await(10, TimeUnit.SECONDS);
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
				schema.initialize();
				schema.verify();
			}));
		}
		CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		assertThat(exists(this.table)).isTrue();
		assertThat(exists(this.table.quarantine())).isTrue();
	}

	@Test
	void verifyWithoutCreatePrivilegeExplainsHowToCreateLeaderTable() {
		execute(SchemaScript.load(SchemaScript.GOHARVEST, this.table).statementCreating(this.table).sql());
		withUnprivilegedUser((unprivileged) -> {
			OutboxSchema schema = new OutboxSchema(unprivileged, this.table);
			assertThatIllegalStateException().isThrownBy(schema::verify)
				.withMessageContaining("Could not create Harvest's leader epoch table "
						+ SchemaScript.leaderTable(this.table).sql())
				.withMessageContaining("permission denied")
				.withMessageContaining("CREATE TABLE IF NOT EXISTS " + SchemaScript.leaderTable(this.table).sql())
				.withMessageContaining("grant the application's database user CREATE on the schema");
		});
	}

	@Test
	void verifyWithoutCreatePrivilegeExplainsHowToCreateQuarantineTable() {
		SchemaScript script = SchemaScript.load(SchemaScript.RECOMMENDED, this.table);
		execute(SchemaScript.load(SchemaScript.GOHARVEST, this.table).statementCreating(this.table).sql(),
				script.statementCreating(SchemaScript.leaderTable(this.table)).sql());
		withUnprivilegedUser((unprivileged) -> {
			OutboxSchema schema = new OutboxSchema(unprivileged, this.table);
			assertThatIllegalStateException().isThrownBy(schema::verify)
				.withMessageContaining("Could not create Harvest's quarantine table " + this.table.quarantine().sql())
				.withMessageContaining("permission denied")
				.withMessageContaining("CREATE TABLE IF NOT EXISTS " + this.table.quarantine().sql())
				.withMessageContaining("ADD COLUMN IF NOT EXISTS released_at")
				.withMessageContaining("CREATE INDEX IF NOT EXISTS");
		});
	}

	@Test
	void verifyNeedsNoCreatePrivilegeWhenLeaderTableExists() {
		new OutboxSchema(this.dataSource, this.table).initialize();
		withUnprivilegedUser((unprivileged) -> assertThatNoException()
			.isThrownBy(new OutboxSchema(unprivileged, this.table)::verify));
	}

	private void withUnprivilegedUser(Consumer<HikariDataSource> action) {
		String role = "harvest_user_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		execute("CREATE ROLE " + role + " LOGIN PASSWORD 'secret'",
				"GRANT USAGE ON SCHEMA " + this.database.schema() + " TO " + role,
				"GRANT SELECT ON ALL TABLES IN SCHEMA " + this.database.schema() + " TO " + role);
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(this.database.jdbcUrl());
		config.setUsername(role);
		config.setPassword("secret");
		config.setMaximumPoolSize(2);
		try (HikariDataSource unprivileged = new HikariDataSource(config)) {
			action.accept(unprivileged);
		}
		finally {
			execute("DROP OWNED BY " + role, "DROP ROLE " + role);
		}
	}

	private void insertWithDefaultCreateTime() {
		OutboxRecord record = OutboxRecord.builder("topic", "key").value("value").build();
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("INSERT INTO " + this.table.sql()
						+ " (kafka_topic, kafka_key, kafka_value, kafka_header_keys, kafka_header_values)"
						+ " VALUES (?, ?, ?, '{}', '{}')")) {
			statement.setString(1, record.topic());
			statement.setString(2, record.key());
			statement.setBytes(3, record.value());
			statement.executeUpdate();
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private boolean exists(OutboxTable table) {
		return query("SELECT to_regclass('" + table.sql() + "') IS NOT NULL").get(0).equals("t");
	}

	private long count(OutboxTable table) {
		return Long.parseLong(query("SELECT count(*) FROM " + table.sql()).get(0));
	}

	private List<String> columns(OutboxTable table) {
		return query("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass('" + table.sql()
				+ "') AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
	}

	private List<String> query(String sql) {
		List<String> values = new ArrayList<>();
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(sql);
				ResultSet result = statement.executeQuery()) {
			while (result.next()) {
				values.add(result.getString(1));
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return values;
	}

	private void execute(String... sql) {
		TestDatabase.execute(this.dataSource, sql);
	}

}
