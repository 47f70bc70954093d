package dev.harvest.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.OutboxStasher;

/**
 * Writer threads that stash one record per transaction at a steady overall rate, each thread
 * owning its own keys so that every key's records commit in sequence order. Each record
 * carries a unique id header and the value {@code key:sequence:} padded to its size; every
 * commit is reported with the time it returned.
 */
final class SteadyWriters {

	/** Behind schedule by more than this, a writer skips ahead instead of bursting to catch up. */
	private static final long MAX_LAG_NANOS = 1_000_000_000L;

	private static final AtomicLong IDS = new AtomicLong();

	private final OutboxStasher stasher;

	private final TransactionTemplate transaction;

	private final String topic;

	private final int threads;

	private final long intervalNanos;

	private final int keys;

	private final int valueBytes;

	private final CommitListener listener;

	private final List<Writer> writers = new ArrayList<>();

	private final AtomicLong committed = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final AtomicLong skipped = new AtomicLong();

	private volatile boolean running;

	private volatile RuntimeException lastFailure;

	/**
	 * Creates writers.
	 * @param dataSource the database, whose transactions the stasher joins
	 * @param stasher the stasher
	 * @param topic the topic of every record
	 * @param threads writer threads; at most {@code keys}
	 * @param rowsPerSecond the overall rate
	 * @param keys distinct keys, spread over the threads
	 * @param valueBytes bytes per value
	 * @param listener told about every commit
	 */
	SteadyWriters(DataSource dataSource, OutboxStasher stasher, String topic, int threads, double rowsPerSecond,
			int keys, int valueBytes, CommitListener listener) {
		if (threads > keys) {
			throw new IllegalArgumentException("Every writer needs a key of its own: " + threads + " > " + keys);
		}
		this.stasher = stasher;
		this.transaction = new TransactionTemplate(new JdbcTransactionManager(dataSource));
		this.topic = topic;
		this.threads = threads;
		this.intervalNanos = (long) (1e9 * threads / rowsPerSecond);
		this.keys = keys;
		this.valueBytes = valueBytes;
		this.listener = listener;
	}

	void start() {
		this.running = true;
		for (int i = 0; i < this.threads; i++) {
			Writer writer = new Writer(i);
			this.writers.add(writer);
			writer.thread.start();
		}
	}

	/**
	 * Stops the writers and waits for their last transactions, at most 30 seconds.
	 */
	void stop() {
		this.running = false;
		long deadline = System.nanoTime() + 30_000_000_000L;
		for (Writer writer : this.writers) {
			try {
				writer.thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	long committed() {
		return this.committed.get();
	}

	long failed() {
		return this.failed.get();
	}

	/**
	 * Counts the times a writer fell more than a second behind its schedule and skipped ahead.
	 * @return the count
	 */
	long skipped() {
		return this.skipped.get();
	}

	RuntimeException lastFailure() {
		return this.lastFailure;
	}

	/**
	 * Returns how many records of each key committed (sequences 0 to n-1), once stopped.
	 * @return counts by key
	 */
	Map<String, Long> committedPerKey() {
		Map<String, Long> counts = new LinkedHashMap<>();
		for (Writer writer : this.writers) {
			for (int i = 0; i < writer.ownedKeys.length; i++) {
				counts.put(writer.ownedKeys[i], writer.sequences[i]);
			}
		}
		return counts;
	}

	static String key(int index) {
		return "key-" + index;
	}

	/**
	 * Parses the key's sequence number from a value written here.
	 * @param value the value
	 * @return the sequence number
	 */
	static long sequence(byte[] value) {
		String text = new String(value, 0, Math.min(value.length, 40), StandardCharsets.US_ASCII);
		int first = text.indexOf(':');
		return Long.parseLong(text.substring(first + 1, text.indexOf(':', first + 1)));
	}

	private byte[] value(String key, long sequence) {
		StringBuilder value = new StringBuilder(this.valueBytes).append(key).append(':').append(sequence).append(':');
		while (value.length() < this.valueBytes) {
			value.append('x');
		}
		return value.toString().getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * One writer thread and the keys it owns.
	 */
	private final class Writer {

		private final int index;

		private final Thread thread;

		private final String[] ownedKeys;

		private final long[] sequences;

		Writer(int index) {
			this.index = index;
			List<String> owned = new ArrayList<>();
			for (int key = index; key < SteadyWriters.this.keys; key += SteadyWriters.this.threads) {
				owned.add(key(key));
			}
			this.ownedKeys = owned.toArray(String[]::new);
			this.sequences = new long[this.ownedKeys.length];
			this.thread = new Thread(this::write, "writer-" + index);
		}

		private void write() {
			// Spread the threads' schedules over one interval so that they do not fire together.
			long next = System.nanoTime() + SteadyWriters.this.intervalNanos * this.index / SteadyWriters.this.threads;
			int turn = 0;
			while (SteadyWriters.this.running) {
				long wait = next - System.nanoTime();
				if (wait > 0) {
					LockSupport.parkNanos(wait);
					continue;
				}
				if (-wait > MAX_LAG_NANOS) {
					SteadyWriters.this.skipped.incrementAndGet();
					next = System.nanoTime();
				}
				next += SteadyWriters.this.intervalNanos;
				int slot = turn++ % this.ownedKeys.length;
				writeOne(slot);
			}
		}

		private void writeOne(int slot) {
			String key = this.ownedKeys[slot];
			long sequence = this.sequences[slot];
			long id = IDS.incrementAndGet();
			OutboxRecord record = OutboxRecord.builder(SteadyWriters.this.topic, key)
				.value(value(key, sequence))
				.header(AckInterceptor.ID_HEADER, Long.toString(id))
				.build();
			try {
				SteadyWriters.this.transaction.executeWithoutResult((status) -> SteadyWriters.this.stasher.stash(record));
			}
			catch (RuntimeException ex) {
				// Not committed: the key's sequence number is used again by its next record.
				SteadyWriters.this.failed.incrementAndGet();
				SteadyWriters.this.lastFailure = ex;
				return;
			}
			long committedNanos = System.nanoTime();
			this.sequences[slot] = sequence + 1;
			SteadyWriters.this.committed.incrementAndGet();
			SteadyWriters.this.listener.committed(id, key, sequence, committedNanos);
		}

	}

	/**
	 * Told about each committed record.
	 */
	@FunctionalInterface
	interface CommitListener {

		void committed(long id, String key, long sequence, long committedNanos);

	}

}
