package dev.harvest.outbox.jdbc;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Tests for {@link OutboxNotificationListener} that need no database.
 */
class OutboxNotificationListenerTests {

	private final DriverManagerDataSource unusedDataSource = new DriverManagerDataSource("jdbc:postgresql://unused/db");

	@Test
	void channelLongerThanPostgresAllowsIsRejected() {
		OutboxTable table = new OutboxTable("s".repeat(40), "t".repeat(20));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutboxNotificationListener(this.unusedDataSource, table, () -> {
			}))
			.withMessageContaining("is 69 bytes long")
			.withMessageContaining("limits channel names to 63 bytes");
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
