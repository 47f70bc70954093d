package dev.harvest.outbox.jdbc;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.harvest.InvalidLimitException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link OutboxTable}.
 */
class OutboxTableTests {

	@Test
	void plainNameIsQuoted() {
		assertThat(OutboxTable.of("outbox").sql()).isEqualTo("\"outbox\"");
	}

	@Test
	void schemaQualifiedNameIsQuotedPartByPart() {
		OutboxTable table = OutboxTable.of("app.outbox");
		assertThat(table.sql()).isEqualTo("\"app\".\"outbox\"");
		assertThat(table.quarantine().sql()).isEqualTo("\"app\".\"outbox_quarantine\"");
		assertThat(table.inSameSchema("harvest_leader").sql()).isEqualTo("\"app\".\"harvest_leader\"");
	}

	@Test
	void injectionAttemptIsRejectedNamingTheProperty() {
		assertThatExceptionOfType(InvalidLimitException.class).isThrownBy(() -> OutboxTable.of("outbox; drop table x"))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("outboxTable"));
	}

	@Test
	void moreThanOneDotIsRejected() {
		assertThatExceptionOfType(InvalidLimitException.class).isThrownBy(() -> OutboxTable.of("a.b.c"))
			.withMessageContaining("at most one dot");
	}

	@Test
	void notificationChannelIsTheLowerCaseQualifiedName() {
		assertThat(OutboxTable.of("App.Outbox").notificationChannel()).isEqualTo("harvest.app.outbox");
	}

	@Test
	void longNotificationChannelIsShortenedToPostgresLimitAndStaysDistinct() {
		String schema = "s".repeat(60);
		String first = OutboxTable.of(schema + ".outbox_one").notificationChannel();
		String second = OutboxTable.of(schema + ".outbox_two").notificationChannel();
		assertThat(first).hasSize(63).startsWith("harvest.sss");
		assertThat(first).isNotEqualTo(second);
	}

}
