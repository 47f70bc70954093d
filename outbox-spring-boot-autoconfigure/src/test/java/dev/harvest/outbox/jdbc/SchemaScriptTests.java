package dev.harvest.outbox.jdbc;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.jdbc.SchemaScript.TableStatement;

import static org.assertj.core.api.Assertions.assertThat;

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
			.doesNotContain("${");
	}

	@Test
	void recommendedScriptHasOneStatementPerTableWithoutComments() {
		OutboxTable outbox = OutboxTable.of("outbox");
		SchemaScript script = SchemaScript.load(SchemaScript.RECOMMENDED, outbox);
		assertThat(script.statements()).extracting(TableStatement::table)
			.containsExactly(outbox, OutboxTable.of("harvest_leader"), OutboxTable.of("outbox_quarantine"));
		assertThat(script.statements()).allSatisfy((statement) -> {
			assertThat(statement.sql()).startsWith("CREATE TABLE IF NOT EXISTS " + statement.table().sql() + " (")
				.endsWith(")")
				.doesNotContain("--")
				.doesNotContain(";");
		});
		assertThat(script.statementCreating(OutboxTable.of("harvest_leader")).sql())
			.contains("group_id TEXT PRIMARY KEY", "epoch BIGINT NOT NULL", "leader_name TEXT", "leader_id UUID",
					"acquired_at TIMESTAMPTZ");
		assertThat(script.statementCreating(OutboxTable.of("outbox_quarantine")).sql())
			.contains("id BIGINT PRIMARY KEY", "attempts INT NOT NULL", "quarantined_at TIMESTAMPTZ NOT NULL DEFAULT now()");
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
