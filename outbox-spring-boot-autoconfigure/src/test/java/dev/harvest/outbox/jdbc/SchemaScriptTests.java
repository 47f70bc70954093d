package dev.harvest.outbox.jdbc;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.jdbc.SchemaScript.Kind;
import dev.harvest.outbox.jdbc.SchemaScript.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@link SchemaScript}.
 */
class SchemaScriptTests {

	@Test
	void recommendedScriptRendersQuotedQualifiedNames() {
		SchemaScript script = SchemaScript.load(SchemaScript.RECOMMENDED, OutboxTable.of("app.events"));
		assertThat(script.text()).contains("CREATE TABLE IF NOT EXISTS \"app\".\"events\" (")
			.contains("CREATE TABLE IF NOT EXISTS \"app\".\"harvest_leader\" (")
			.contains("CREATE TABLE IF NOT EXISTS \"app\".\"events_quarantine\" (")
			.contains("kafka_value BYTEA")
			.contains("create_time TIMESTAMPTZ NOT NULL DEFAULT now()")
			.contains("ALTER TABLE \"app\".\"harvest_leader\" ADD COLUMN IF NOT EXISTS last_mark_at TIMESTAMPTZ;")
			.contains("ALTER TABLE \"app\".\"events_quarantine\" ADD COLUMN IF NOT EXISTS released_at TIMESTAMPTZ;")
			.contains("CREATE INDEX IF NOT EXISTS \"events_quarantine_held\" ON \"app\".\"events_quarantine\""
					+ " (kafka_topic, kafka_key)\n\tWHERE released_at IS NULL;")
			.doesNotContain("${");
	}

	@Test
	void recommendedScriptCreatesEachTableAndUpgradesLeaderAndQuarantineTablesWithoutComments() {
		OutboxTable outbox = OutboxTable.of("outbox");
		OutboxTable leader = OutboxTable.of("harvest_leader");
		OutboxTable quarantine = OutboxTable.of("outbox_quarantine");
		SchemaScript script = SchemaScript.load(SchemaScript.RECOMMENDED, outbox);
		assertThat(script.statements()).extracting(Statement::kind, Statement::table)
			.containsExactly(tuple(Kind.CREATE_TABLE, outbox), tuple(Kind.CREATE_TABLE, leader),
					tuple(Kind.ADD_COLUMN, leader), tuple(Kind.CREATE_TABLE, quarantine), tuple(Kind.ADD_COLUMN, quarantine),
					tuple(Kind.CREATE_INDEX, quarantine));
		assertThat(script.statements()).allSatisfy((statement) -> assertThat(statement.sql()).doesNotContain("--")
			.doesNotContain(";")
			.doesNotContain("${"));
		assertThat(script.statements()).filteredOn((statement) -> statement.kind() == Kind.CREATE_TABLE)
			.allSatisfy((statement) -> assertThat(statement.sql())
				.startsWith("CREATE TABLE IF NOT EXISTS " + statement.table().sql() + " (")
				.endsWith(")"));
		assertThat(script.statementCreating(leader).sql()).contains("group_id TEXT PRIMARY KEY",
				"epoch BIGINT NOT NULL", "leader_name TEXT", "leader_id UUID", "acquired_at TIMESTAMPTZ",
				"last_mark_at TIMESTAMPTZ");
		assertThat(script.statementsFor(leader)).extracting(Statement::kind, Statement::column)
			.containsExactly(tuple(Kind.CREATE_TABLE, null), tuple(Kind.ADD_COLUMN, "last_mark_at"));
		assertThat(script.statementCreating(quarantine).sql()).contains("id BIGINT PRIMARY KEY",
				"attempts INT NOT NULL", "quarantined_at TIMESTAMPTZ NOT NULL DEFAULT now()", "released_at TIMESTAMPTZ");
		assertThat(script.statementsFor(quarantine)).satisfiesExactly(
				(create) -> assertThat(create.kind()).isEqualTo(Kind.CREATE_TABLE), (addColumn) -> {
					assertThat(addColumn.column()).isEqualTo("released_at");
					assertThat(addColumn.description()).isEqualTo("add column released_at to table \"outbox_quarantine\"");
				}, (createIndex) -> {
					assertThat(createIndex.index()).isEqualTo(OutboxTable.of("outbox_quarantine_held"));
					assertThat(createIndex.sql()).startsWith(
							"CREATE INDEX IF NOT EXISTS \"outbox_quarantine_held\" ON \"outbox_quarantine\"");
				});
	}

	@Test
	void quarantineTableKeepsMalformedRowsRaw() {
		String sql = SchemaScript.load(SchemaScript.RECOMMENDED, OutboxTable.of("outbox"))
			.statementCreating(OutboxTable.of("outbox_quarantine"))
			.sql();
		assertThat(sql).contains("create_time TIMESTAMPTZ,", "kafka_topic TEXT,", "kafka_key TEXT,",
				"kafka_value BYTEA,", "kafka_header_keys TEXT[],", "kafka_header_values TEXT[],");
	}

	@Test
	void heldKeyIndexLivesInOutboxSchemaAndStaysWithinIdentifierLimit() {
		assertThat(SchemaScript.heldKeyIndex(OutboxTable.of("app.outbox")))
			.isEqualTo(OutboxTable.of("app.outbox_quarantine_held"));
		String longName = "o".repeat(50);
		OutboxTable first = SchemaScript.heldKeyIndex(OutboxTable.of("app." + longName + "_a"));
		OutboxTable second = SchemaScript.heldKeyIndex(OutboxTable.of("app." + longName + "_b"));
		assertThat(first.schema()).isEqualTo("app");
		assertThat(first.table()).hasSize(63).startsWith(longName);
		assertThat(first).isNotEqualTo(second);
	}

	@Test
	void goharvestScriptHasGoharvestsExactColumns() {
		OutboxTable outbox = OutboxTable.of("outbox");
		SchemaScript script = SchemaScript.load(SchemaScript.GOHARVEST, outbox);
		assertThat(script.statements()).singleElement().satisfies((statement) -> {
			assertThat(statement.table()).isEqualTo(outbox);
			assertThat(statement.sql()).contains("id BIGSERIAL PRIMARY KEY", "create_time TIMESTAMPTZ NOT NULL,",
					"kafka_topic VARCHAR(249) NOT NULL", "kafka_key VARCHAR(100) NOT NULL", "kafka_value VARCHAR(10000),",
					"kafka_header_keys TEXT[] NOT NULL", "kafka_header_values TEXT[] NOT NULL", "leader_id UUID");
		});
	}

	@Test
	void leaderTableLivesInOutboxSchema() {
		assertThat(SchemaScript.leaderTable(OutboxTable.of("app.outbox")).sql()).isEqualTo("\"app\".\"harvest_leader\"");
		assertThat(SchemaScript.leaderTable(OutboxTable.of("outbox")).sql()).isEqualTo("\"harvest_leader\"");
	}

}
