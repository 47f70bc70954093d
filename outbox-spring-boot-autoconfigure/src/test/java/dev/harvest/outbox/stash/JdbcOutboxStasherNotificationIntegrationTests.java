package dev.harvest.outbox.stash;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Integration tests for the notifications {@link JdbcOutboxStasher} sends so that the
 * harvester wakes up at once: a listening connection hears them only when the writing
 * transaction commits.
 */
class JdbcOutboxStasherNotificationIntegrationTests {

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private TestDatabase database;

	private HikariDataSource dataSource;

	private TransactionTemplate transaction;

	// Schema-qualified, so that the channel is this test's own even on a shared server.
	private OutboxTable table;

	private Connection listener;

	@BeforeEach
	void createOutboxAndListen() throws SQLException {
		this.database = this.infrastructure.newDatabase();
		this.dataSource = this.database.createDataSource();
		this.transaction = new TransactionTemplate(new JdbcTransactionManager(this.dataSource));
		this.table = new OutboxTable(this.database.schema(), "outbox");
		TestDatabase.execute(this.dataSource, OutboxTableShape.RECOMMENDED.ddl(this.table.sql()));
		this.listener = DriverManager.getConnection(this.database.jdbcUrl(), this.database.username(),
				this.database.password());
		try (Statement statement = this.listener.createStatement()) {
			statement.execute("LISTEN \"" + this.table.notificationChannel() + "\"");
		}
	}

	@AfterEach
	void close() throws SQLException {
		this.listener.close();
		this.dataSource.close();
	}

	@Test
	void notificationArrivesOnlyWhenTheTransactionCommits() {
		OutboxStasher stasher = stasher(true);
		List<PGNotification> beforeCommit = new ArrayList<>();
		this.transaction.executeWithoutResult((status) -> {
			stasher.stash("orders", "k1", "v");
			stasher.stashAll(List.of(OutboxRecord.builder("orders", "k2").build()));
			beforeCommit.addAll(notifications(500));
		});
		assertThat(beforeCommit).isEmpty();
		// PostgreSQL folds equal notifications of one transaction into one.
		assertThat(notifications(5000)).singleElement().satisfies((notification) -> {
			assertThat(notification.getName()).isEqualTo("harvest." + this.database.schema() + ".outbox");
			assertThat(notification.getParameter()).isEmpty();
		});
	}

	@Test
	void noNotificationArrivesWhenTheTransactionRollsBack() {
		OutboxStasher stasher = stasher(true);
		assertThatIllegalStateException().isThrownBy(() -> this.transaction.executeWithoutResult((status) -> {
			stasher.stash("orders", "k", "v");
			throw new IllegalStateException("business failure");
		}));
		assertThat(notifications(1000)).isEmpty();
	}

	@Test
	void noNotificationIsSentWhenSwitchedOff() {
		OutboxStasher stasher = stasher(false);
		this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", "v"));
		assertThat(notifications(1000)).isEmpty();
		assertThat(StoredRow.count(new JdbcTemplate(this.dataSource), this.table.sql()))
			.isOne();
	}

	@Test
	void eachCommittedTransactionNotifies() {
		OutboxStasher stasher = stasher(true);
		for (int i = 0; i < 3; i++) {
			this.transaction.executeWithoutResult((status) -> stasher.stash("orders", "k", "v"));
		}
		List<PGNotification> received = new ArrayList<>();
		long deadline = System.nanoTime() + 5_000_000_000L;
		while (received.size() < 3 && System.nanoTime() < deadline) {
			received.addAll(notifications(200));
		}
		assertThat(received).hasSize(3);
	}

	private OutboxStasher stasher(boolean notifyHarvester) {
		return JdbcOutboxStasher.builder(this.dataSource).table(this.table).notifyHarvester(notifyHarvester).build();
	}

	private List<PGNotification> notifications(int timeoutMillis) {
		try {
			PGNotification[] received = this.listener.unwrap(PGConnection.class).getNotifications(timeoutMillis);
			return (received != null) ? List.of(received) : List.of();
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
