package dev.harvest.outbox.jdbc;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests for {@link OutboxNotificationListener} that need no database.
 */
class OutboxNotificationListenerTests {

	private final DriverManagerDataSource unusedDataSource = new DriverManagerDataSource("jdbc:postgresql://unused/db");

	@Test
	void longTableNameListensOnAChannelWithinPostgresLimit() {
		// OutboxTable shortens channels of long names, so the listener's own length check never
		// rejects a table name that passed validation.
		OutboxTable table = new OutboxTable("s".repeat(40), "t".repeat(20));
		assertThat(table.notificationChannel()).hasSizeLessThanOrEqualTo(63);
		assertThatNoException().isThrownBy(() -> new OutboxNotificationListener(this.unusedDataSource, table, () -> {
		}).close());
	}

	@Test
	void closeBeforeStartIsHarmlessAndStartAfterCloseFails() {
		OutboxNotificationListener listener = new OutboxNotificationListener(this.unusedDataSource,
				OutboxTable.of("outbox"), () -> {
				});
		assertThatNoException().isThrownBy(listener::close);
		assertThatIllegalStateException().isThrownBy(listener::start);
	}

}
