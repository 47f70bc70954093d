package dev.harvest.outbox.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link OutboxNotificationListener} against a real PostgreSQL.
 */
class OutboxNotificationListenerIntegrationTests {

	private static final Duration PROMPTLY = Duration.ofSeconds(5);

	private final AtomicInteger callbacks = new AtomicInteger();

	private String applicationName;

	private HikariDataSource listenerDataSource;

	private HikariDataSource writerDataSource;

	private OutboxTable table;

	@BeforeEach
	void createDataSources() {
		TestDatabase database = TestInfrastructure.get().newDatabase();
		this.table = new OutboxTable(database.schema(), "outbox");
		// A name of its own lets the test find the listener's server process.
		this.applicationName = "listener-" + UUID.randomUUID().toString().substring(0, 8);
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(database.jdbcUrl());
		config.setUsername(database.username());
		config.setPassword(database.password());
		config.setMaximumPoolSize(2);
		config.addDataSourceProperty("ApplicationName", this.applicationName);
		this.listenerDataSource = new HikariDataSource(config);
		this.writerDataSource = database.createDataSource(2);
	}

	@AfterEach
	void closeDataSources() {
		this.listenerDataSource.close();
		this.writerDataSource.close();
	}

	@Test
	void notificationFromAnotherConnectionRunsCallbackPromptly() {
		try (OutboxNotificationListener listener = listener(this.callbacks::incrementAndGet)) {
			listener.start();
			awaitListening();
			int before = this.callbacks.get();
			notifyChannel();
			await().atMost(PROMPTLY).untilAsserted(() -> assertThat(this.callbacks.get()).isGreaterThan(before));
		}
	}

	@Test
	void callbackRunsOnConnectBecauseNotificationsMayHaveBeenMissed() {
		try (OutboxNotificationListener listener = listener(this.callbacks::incrementAndGet)) {
			listener.start();
			await().atMost(PROMPTLY).untilAsserted(() -> assertThat(this.callbacks.get()).isOne());
		}
	}

	@Test
	void listenerReconnectsAfterItsConnectionIsTerminated() throws SQLException {
		try (OutboxNotificationListener listener = listener(this.callbacks::incrementAndGet)) {
			listener.start();
			awaitListening();
			int beforeTermination = this.callbacks.get();
			assertThat(terminateListenerBackends()).isOne();
			// The callback runs again once the listener has reconnected and listens again.
			await().atMost(Duration.ofSeconds(15))
				.untilAsserted(() -> assertThat(this.callbacks.get()).isGreaterThan(beforeTermination));
			awaitListening();
			int beforeNotification = this.callbacks.get();
			notifyChannel();
			await().atMost(PROMPTLY).untilAsserted(() -> assertThat(this.callbacks.get()).isGreaterThan(beforeNotification));
		}
	}

	@Test
	void failingCallbackDoesNotStopListening() {
		try (OutboxNotificationListener listener = listener(() -> {
			this.callbacks.incrementAndGet();
			throw new IllegalStateException("callback failure");
		})) {
			listener.start();
			awaitListening();
			int before = this.callbacks.get();
			notifyChannel();
			await().atMost(PROMPTLY).untilAsserted(() -> assertThat(this.callbacks.get()).isGreaterThan(before));
			int afterFirst = this.callbacks.get();
			notifyChannel();
			await().atMost(PROMPTLY).untilAsserted(() -> assertThat(this.callbacks.get()).isGreaterThan(afterFirst));
		}
	}

	@Test
	void closeStopsThreadAndReleasesConnection() {
		OutboxNotificationListener listener = listener(this.callbacks::incrementAndGet);
		listener.start();
		awaitListening();
		assertThat(listenerThread()).isNotNull();
		long start = System.nanoTime();
		listener.close(Duration.ofSeconds(5));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
		assertThat(listenerThread()).isNull();
		assertThat(this.listenerDataSource.getHikariPoolMXBean().getActiveConnections()).isZero();
		int after = this.callbacks.get();
		notifyChannel();
		await().during(Duration.ofMillis(700)).atMost(PROMPTLY).until(() -> this.callbacks.get() == after);
	}

	private OutboxNotificationListener listener(Runnable onNotification) {
		return new OutboxNotificationListener(this.listenerDataSource, this.table, onNotification);
	}

	private void awaitListening() {
		await().atMost(Duration.ofSeconds(15)).until(() -> listeningBackends() == 1);
		await().atMost(PROMPTLY).until(() -> this.callbacks.get() > 0);
	}

	private Thread listenerThread() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("harvest-listen-" + this.table))
			.findFirst()
			.orElse(null);
	}

	private void notifyChannel() {
		try (Connection connection = this.writerDataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement("SELECT pg_notify(?, '')")) {
			statement.setString(1, this.table.notificationChannel());
			statement.execute();
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private int listeningBackends() {
		return queryInt("SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND query LIKE 'LISTEN %'");
	}

	private int terminateListenerBackends() {
		// Materialized, so that only the listener's processes are terminated, whatever order
		// the planner would evaluate the conditions in.
		return queryInt("WITH listeners AS MATERIALIZED (SELECT pid FROM pg_stat_activity"
				+ " WHERE application_name = ? AND query LIKE 'LISTEN %')"
				+ " SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM listeners");
	}

	private int queryInt(String sql) {
		try (Connection connection = this.writerDataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, this.applicationName);
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				return result.getInt(1);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
