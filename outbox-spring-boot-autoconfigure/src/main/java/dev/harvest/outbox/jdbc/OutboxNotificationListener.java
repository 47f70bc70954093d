package dev.harvest.outbox.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import org.springframework.util.Assert;

/**
 * Listens on the outbox table's notification channel with a connection of its own and runs a
 * callback whenever writers have notified, so that the harvester marks new rows at once
 * instead of on its next poll. The callback also runs after every (re)connect, because
 * notifications sent while not listening are lost.
 */
public final class OutboxNotificationListener implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(OutboxNotificationListener.class);

	/** PostgreSQL's limit for identifiers and channel names, in bytes. */
	/** How long one wait for notifications lasts; bounds how long close() waits. */
	private static final int POLL_MILLIS = 500;

	/** How long the connection may be silent before it is checked, to notice a dead peer. */
	private static final long IDLE_CHECK_NANOS = Duration.ofSeconds(15).toNanos();

	private static final int VALIDATION_TIMEOUT_SECONDS = 5;

	private static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

	private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private final DataSource dataSource;

	private final OutboxTable table;

	private final Runnable onNotification;

	private final String channel;

	private final Thread thread;

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private final CountDownLatch stop = new CountDownLatch(1);

	private boolean started;

	private boolean closed;

	/**
	 * Creates a listener; nothing happens until {@link #start()}.
	 * @param dataSource where to take the listening connection from; it is held until
	 * {@link #close()}
	 * @param table the outbox table whose {@linkplain OutboxTable#notificationChannel()
	 * channel} to listen on
	 * @param onNotification what to run when writers have notified; it should return quickly
	 */
	public OutboxNotificationListener(DataSource dataSource, OutboxTable table, Runnable onNotification) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		Assert.notNull(table, "'table' must not be null");
		Assert.notNull(onNotification, "'onNotification' must not be null");
		this.dataSource = dataSource;
		this.table = table;
		this.onNotification = onNotification;
		this.channel = table.notificationChannel();
		this.thread = new Thread(this::run, "harvest-listen-" + table);
		this.thread.setDaemon(true);
	}

	/**
	 * Starts listening on a thread of its own.
	 * @throws IllegalStateException when the listener was started or closed before
	 */
	public void start() {
		this.lifecycleLock.lock();
		try {
			Assert.state(!this.started && !this.closed, "The notification listener can be started only once");
			this.started = true;
			this.thread.start();
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Stops listening and releases the connection, waiting up to five seconds.
	 */
	@Override
	public void close() {
		close(DEFAULT_CLOSE_TIMEOUT);
	}

	/**
	 * Stops listening and releases the connection.
	 * @param timeout how long to wait for the listening thread to end
	 */
	public void close(Duration timeout) {
		this.lifecycleLock.lock();
		try {
			this.closed = true;
			this.stop.countDown();
			if (!this.started) {
				return;
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
		try {
			this.thread.join(Math.max(1, timeout.toMillis()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (this.thread.isAlive()) {
			logger.warn("Thread " + this.thread.getName() + " did not end within " + timeout
					+ "; it ends after its current wait");
		}
	}

	private void run() {
		Duration backoff = INITIAL_BACKOFF;
		while (!stopping()) {
			boolean listened = false;
			try (Connection connection = this.dataSource.getConnection()) {
				PGConnection postgres = connection.unwrap(PGConnection.class);
				// Notifications are only delivered outside a transaction, and LISTEN only takes
				// effect at commit: never leave a transaction open on this connection.
				if (!connection.getAutoCommit()) {
					connection.setAutoCommit(true);
				}
				try (Statement statement = connection.createStatement()) {
					statement.setQueryTimeout(VALIDATION_TIMEOUT_SECONDS);
					statement.execute("LISTEN \"" + this.channel + "\"");
				}
				listened = true;
				backoff = INITIAL_BACKOFF;
				logger.debug("Listening on channel '" + this.channel + "' for outbox " + this.table);
				notifyCallback();
				receive(connection, postgres);
			}
			catch (SQLException | RuntimeException ex) {
				if (stopping()) {
					break;
				}
				String state = listened ? "Lost the notification connection" : "Could not listen for notifications";
				logger.warn(state + " of outbox " + this.table + " (" + ex.getMessage() + "); retrying in "
						+ backoff.toMillis() + " ms. Until then new rows are found by polling.");
				logger.debug("Notification connection failure", ex);
				if (awaitStop(backoff)) {
					break;
				}
				backoff = (backoff.compareTo(MAX_BACKOFF.dividedBy(2)) < 0) ? backoff.multipliedBy(2) : MAX_BACKOFF;
			}
		}
		logger.debug("Stopped listening on channel '" + this.channel + "'");
	}

	private void receive(Connection connection, PGConnection postgres) throws SQLException {
		long lastHeard = System.nanoTime();
		while (!stopping()) {
			PGNotification[] notifications = postgres.getNotifications(POLL_MILLIS);
			long now = System.nanoTime();
			if (notifications != null && notifications.length > 0) {
				lastHeard = now;
				notifyCallback();
			}
			else if (now - lastHeard > IDLE_CHECK_NANOS) {
				// A peer that vanished without closing the socket is only noticed by talking to it.
				if (!connection.isValid(VALIDATION_TIMEOUT_SECONDS)) {
					throw new SQLException("The listening connection is no longer valid");
				}
				lastHeard = now;
			}
		}
	}

	private void notifyCallback() {
		try {
			this.onNotification.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Notification callback of outbox " + this.table + " failed", ex);
		}
	}

	private boolean stopping() {
		return this.stop.getCount() == 0;
	}

	private boolean awaitStop(Duration timeout) {
		try {
			return this.stop.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return true;
		}
	}

}
