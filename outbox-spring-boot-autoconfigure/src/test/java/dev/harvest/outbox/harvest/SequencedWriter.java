package dev.harvest.outbox.harvest;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A writer thread that inserts outbox rows continuously, as goharvest's integration test
 * does: transactions of a fixed number of rows over a set of keys, each row's value being its
 * key's sequence number. One writer commits serially, so sequence numbers follow commit
 * order; only committed transactions count.
 */
final class SequencedWriter implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(SequencedWriter.class);

	private final LiveOutbox outbox;

	private final String topic;

	private final int keys;

	private final int rowsPerTransaction;

	private final Duration pause;

	private final Random random;

	private final Map<String, Long> committed = new LinkedHashMap<>();

	private final AtomicLong rows = new AtomicLong();

	private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();

	private final Thread thread;

	private volatile boolean running = true;

	/**
	 * Creates a writer; call {@link #start()} to begin.
	 * @param outbox the outbox to write to
	 * @param topic the topic of every row
	 * @param keys the number of keys, named {@code key-0}, {@code key-1}, ...
	 * @param rowsPerTransaction rows in each transaction
	 * @param pause pause between transactions
	 * @param seed seed of the key choice, so that a run can be repeated
	 */
	SequencedWriter(LiveOutbox outbox, String topic, int keys, int rowsPerTransaction, Duration pause, long seed) {
		this.outbox = outbox;
		this.topic = topic;
		this.keys = keys;
		this.rowsPerTransaction = rowsPerTransaction;
		this.pause = pause;
		this.random = new Random(seed);
		this.thread = new Thread(this::run, "outbox-writer");
		this.thread.setDaemon(true);
	}

	SequencedWriter start() {
		this.thread.start();
		return this;
	}

	private void run() {
		try (Connection connection = this.outbox.connection()) {
			connection.setAutoCommit(false);
			while (this.running) {
				Map<String, Long> next = snapshot();
				Map<String, Long> written = new HashMap<>();
				try {
					for (int i = 0; i < this.rowsPerTransaction; i++) {
						String key = "key-" + this.random.nextInt(this.keys);
						long sequence = next.merge(key, 1L, Long::sum) - 1;
						this.outbox.insert(connection, this.topic, key, sequence);
						written.merge(key, 1L, Long::sum);
					}
					connection.commit();
				}
				catch (SQLException ex) {
					connection.rollback();
					throw ex;
				}
				synchronized (this.committed) {
					written.forEach((key, count) -> this.committed.merge(key, count, Long::sum));
				}
				this.rows.addAndGet(this.rowsPerTransaction);
				TimeUnit.NANOSECONDS.sleep(this.pause.toNanos());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (SQLException | RuntimeException ex) {
			logger.error("Outbox writer failed", ex);
			this.failure.set(ex);
		}
	}

	private Map<String, Long> snapshot() {
		synchronized (this.committed) {
			return new HashMap<>(this.committed);
		}
	}

	/**
	 * Returns the rows committed so far.
	 * @return the number of rows
	 */
	long rows() {
		return this.rows.get();
	}

	/**
	 * Stops writing after the current transaction and returns what was committed.
	 * @return the number of rows committed per key
	 */
	Map<String, Long> stop() {
		this.running = false;
		try {
			this.thread.join(TimeUnit.SECONDS.toMillis(10));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (this.thread.isAlive()) {
			throw new IllegalStateException("The outbox writer did not stop");
		}
		Throwable failed = this.failure.get();
		if (failed != null) {
			throw new IllegalStateException("The outbox writer failed", failed);
		}
		synchronized (this.committed) {
			return new LinkedHashMap<>(this.committed);
		}
	}

	@Override
	public void close() {
		this.running = false;
		this.thread.interrupt();
	}

}
