package dev.harvest.outbox.jdbc;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link OutboxTableMissingException}.
 */
class OutboxTableMissingExceptionTests {

	private final OutboxTable table = OutboxTable.of("app.outbox");

	private final String ddl = SchemaScript.load(SchemaScript.RECOMMENDED, this.table).text();

	@Test
	void missingTableMessageShowsDdlAndProperty() {
		OutboxTableMissingException ex = new OutboxTableMissingException(this.table, this.ddl);
		assertThat(ex.getMessage()).startsWith("Outbox table \"app\".\"outbox\" does not exist.")
			.contains("set harvest.schema.initialize=true")
			.endsWith(this.ddl);
		assertThat(ex.getTable()).isEqualTo(this.table);
		assertThat(ex.getProblems()).isEmpty();
	}

	@Test
	void incompleteTableMessageListsProblems() {
		OutboxTableMissingException ex = new OutboxTableMissingException(this.table,
				List.of("column leader_id is missing", "column id is text but must be bigint"), this.ddl);
		assertThat(ex.getMessage()).contains(
				"does not have the columns Harvest needs: column leader_id is missing; column id is text but must be bigint.")
			.endsWith(this.ddl);
		assertThat(ex.getProblems()).hasSize(2);
	}

}
