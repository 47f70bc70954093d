package dev.harvest.faults;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * Writer threads that insert keyed, sequence-numbered outbox rows with plain JDBC in
 * goharvest's shape, each with its ledger row in the same transaction. Some transactions are
 * held open to commit late, so that lower ids commit after higher ones, and some roll back.
 * A key's next record is written only once its previous one is known to have committed or not
 * (a key is claimed by one transaction at a time), which keeps each key's records causally
 * ordered; a transaction whose commit failed is looked up in the ledger before its keys go
 * on. Poison records can be mixed in on request.
 */
final class OutboxWriters implements AutoCloseable {

	/** Header with the token of the transaction that wrote a record. */
	static final String TRANSACTION_HEADER = "fault-tx";

	/** A topic name Kafka refuses, written with plain SQL as a non-Java writer could. */
	static final String INVALID_TOPIC = "fault poison!";

	private static final Log logger = LogFactory.getLog(OutboxWriters.class);

	private static final Duration IN_DOUBT_PAUSE = Duration.ofSeconds(1);

	private static final Duration IN_DOUBT_TIMEOUT = Duration.ofSeconds(60);

	private final DataSource dataSource;

	private final Ledger ledger;

	private final OutboxTable table;

	private final String topic;

	private final Settings settings;

	private final long seed;

	private final ReentrantLock keyLock = new ReentrantLock();

	private final boolean[] claimed;

	private final long[] next;

	private final Queue<Poison> poisonRequests = new ConcurrentLinkedQueue<>();

	private final AtomicInteger poisonWritten = new AtomicInteger();

	private final AtomicLong committedRecords = new AtomicLong();

	private final AtomicLong rolledBackRecords = new AtomicLong();

	private final AtomicLong failedTransactions = new AtomicLong();

	private final AtomicLong inDoubtCommitted = new AtomicLong();

	private final AtomicLong lateCommits = new AtomicLong();

	private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();

	private final List<Thread> threads = new ArrayList<>();

	private volatile boolean running;

	/**
	 * Creates writers; {@link #start()} starts them.
	 * @param dataSource the writers' connection pool, which faults may reach
	 * @param ledger the ledger
	 * @param table the outbox table
	 * @param topic the topic of the records
	 * @param settings how to write
	 * @param seed the seed of the writers' choices
	 */
	OutboxWriters(DataSource dataSource, Ledger ledger, OutboxTable table, String topic, Settings settings,
			long seed) {
		this.dataSource = dataSource;
		this.ledger = ledger;
		this.table = table;
		this.topic = topic;
		this.settings = settings;
		this.seed = seed;
		this.claimed = new boolean[settings.keys()];
		this.next = new long[settings.keys()];
	}

	OutboxWriters start() {
		this.running = true;
		for (int i = 0; i < this.settings.threads(); i++) {
			int index = i;
			Thread thread = new Thread(() -> run(index), "outbox-writer-" + i);
			thread.setDaemon(true);
			this.threads.add(thread);
			thread.start();
		}
		return this;
	}

	/**
	 * Asks for a poison record in one of the next transactions that commit.
	 * @param poison the kind of poison
	 */
	void poison(Poison poison) {
		this.poisonRequests.add(poison);
	}

	long committedRecords() {
		return this.committedRecords.get();
	}

	private void run(int index) {
		Random random = new Random(this.seed * 31 + index);
		long transactions = 0;
		try {
			while (this.running) {
				int[] keys = claimKeys(random);
				if (keys.length == 0) {
					pause(Duration.ofMillis(5));
					continue;
				}
				try {
					write(random, "w" + index + "-" + transactions++, keys);
				}
				finally {
					releaseKeys(keys);
				}
				pause(this.settings.pause());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			logger.error("Outbox writer " + index + " failed", ex);
			this.failure.compareAndSet(null, ex);
		}
	}

	private void write(Random random, String token, int[] keys) throws InterruptedException {
		double fate = random.nextDouble();
		boolean rollback = fate < this.settings.rollbackFraction();
		boolean late = !rollback && fate < this.settings.rollbackFraction() + this.settings.lateFraction();
		Poison poison = rollback ? null : this.poisonRequests.poll();
		List<Ledger.Entry> entries = new ArrayList<>();
		boolean commitIssued = false;
		try (Connection connection = this.dataSource.getConnection()) {
			connection.setAutoCommit(false);
			try {
				for (int i = 0; i < keys.length; i++) {
					boolean tooLarge = i == 0 && poison == Poison.TOO_LARGE;
					entries.add(insert(connection, token, this.topic, key(keys[i]), this.next[keys[i]], tooLarge));
				}
				if (poison == Poison.INVALID_TOPIC) {
					entries.add(insert(connection, token, INVALID_TOPIC, "poison-" + token, 0, true));
				}
				if (rollback) {
					connection.rollback();
					this.rolledBackRecords.addAndGet(entries.size());
					return;
				}
				if (late) {
					long holdMillis = 1 + random.nextInt((int) this.settings.maxLateHold().toMillis());
					TimeUnit.MILLISECONDS.sleep(holdMillis);
					this.lateCommits.incrementAndGet();
				}
				commitIssued = true;
				connection.commit();
			}
			catch (SQLException | RuntimeException ex) {
				rollbackQuietly(connection);
				throw ex;
			}
		}
		catch (SQLException | RuntimeException ex) {
			this.failedTransactions.incrementAndGet();
			if (!commitIssued || !resolve(token)) {
				if (poison != null) {
					this.poisonRequests.add(poison);
				}
				this.rolledBackRecords.addAndGet(entries.size());
				return;
			}
			this.inDoubtCommitted.incrementAndGet();
		}
		committed(keys, entries, poison);
	}

	private void committed(int[] keys, List<Ledger.Entry> entries, @Nullable Poison poison) {
		for (int key : keys) {
			this.next[key]++;
		}
		this.committedRecords.addAndGet(entries.size());
		if (poison != null) {
			this.poisonWritten.incrementAndGet();
		}
	}

	private Ledger.Entry insert(Connection connection, String token, String recordTopic, String key, long sequence,
			boolean poison) throws SQLException {
		String value = Long.toString(sequence);
		if (poison && recordTopic.equals(this.topic)) {
			value = value + " " + "x".repeat(this.settings.poisonValueBytes());
		}
		String sql = "INSERT INTO " + this.table.sql() + " (create_time, kafka_topic, kafka_key, kafka_value,"
				+ " kafka_header_keys, kafka_header_values) VALUES (NOW(), ?, ?, ?, ?, ?) RETURNING id";
		long id;
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, recordTopic);
			statement.setString(2, key);
			statement.setBytes(3, value.getBytes(StandardCharsets.UTF_8));
			statement.setArray(4, connection.createArrayOf("text", new String[] { TRANSACTION_HEADER }));
			statement.setArray(5, connection.createArrayOf("text", new String[] { token }));
			try (ResultSet result = statement.executeQuery()) {
				result.next();
				id = result.getLong(1);
			}
		}
		Ledger.Entry entry = new Ledger.Entry(recordTopic, key, sequence, token, poison, id);
		this.ledger.insert(connection, entry);
		return entry;
	}

	/**
	 * Finds out whether a transaction whose commit failed committed after all, once the
	 * database has surely finished with it.
	 */
	private boolean resolve(String token) throws InterruptedException {
		long deadline = System.nanoTime() + IN_DOUBT_TIMEOUT.toNanos();
		while (true) {
			pause(IN_DOUBT_PAUSE);
			try {
				return this.ledger.committed(token);
			}
			catch (SQLException ex) {
				if (System.nanoTime() - deadline > 0) {
					throw new IllegalStateException("Could not tell whether transaction " + token + " committed", ex);
				}
			}
		}
	}

	private static void rollbackQuietly(Connection connection) {
		try {
			connection.rollback();
		}
		catch (SQLException ex) {
			// the connection is broken: the database rolls back on its own
		}
	}

	private int[] claimKeys(Random random) {
		int wanted = 1 + random.nextInt(this.settings.maxKeysPerTransaction());
		int[] keys = new int[wanted];
		int found = 0;
		this.keyLock.lock();
		try {
			for (int tries = 0; tries < 4 * wanted && found < wanted; tries++) {
				int key = random.nextInt(this.claimed.length);
				if (!this.claimed[key]) {
					this.claimed[key] = true;
					keys[found++] = key;
				}
			}
		}
		finally {
			this.keyLock.unlock();
		}
		int[] taken = Arrays.copyOf(keys, found);
		// Rows of one transaction are inserted in key order, like any writer that sorts its work.
		Arrays.sort(taken);
		return taken;
	}

	private void releaseKeys(int[] keys) {
		this.keyLock.lock();
		try {
			for (int key : keys) {
				this.claimed[key] = false;
			}
		}
		finally {
			this.keyLock.unlock();
		}
	}

	private static String key(int index) {
		return "key-" + index;
	}

	private static void pause(Duration duration) throws InterruptedException {
		TimeUnit.NANOSECONDS.sleep(duration.toNanos());
	}

	/**
	 * Stops writing, waiting for transactions under way (a late one, or one whose outcome is
	 * being looked up), and says what was written.
	 * @return the totals
	 */
	Totals stop() {
		this.running = false;
		long deadline = System.nanoTime() + IN_DOUBT_TIMEOUT.plusSeconds(10).toNanos();
		for (Thread thread : this.threads) {
			try {
				thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			if (thread.isAlive()) {
				throw new IllegalStateException("Outbox writer " + thread.getName() + " did not stop");
			}
		}
		Throwable failed = this.failure.get();
		if (failed != null) {
			throw new IllegalStateException("An outbox writer failed", failed);
		}
		return new Totals(this.committedRecords.get(), this.rolledBackRecords.get(), this.failedTransactions.get(),
				this.inDoubtCommitted.get(), this.lateCommits.get(), this.poisonWritten.get());
	}

	@Override
	public void close() {
		this.running = false;
		this.threads.forEach(Thread::interrupt);
	}

	/**
	 * How the writers write.
	 *
	 * @param threads writer threads
	 * @param keys keys, named {@code key-0}, {@code key-1}, ...
	 * @param maxKeysPerTransaction most keys one transaction writes, one record each
	 * @param pause pause of each thread between transactions
	 * @param lateFraction share of transactions held open before they commit
	 * @param maxLateHold longest time a late transaction is held open
	 * @param rollbackFraction share of transactions rolled back
	 * @param poisonValueBytes size of a too-large poison value
	 */
	record Settings(int threads, int keys, int maxKeysPerTransaction, Duration pause, double lateFraction,
			Duration maxLateHold, double rollbackFraction, int poisonValueBytes) {

		/**
		 * The writers every scenario uses.
		 * @return the settings
		 */
		static Settings standard() {
			return new Settings(4, 32, 3, Duration.ofMillis(5), 0.05, Duration.ofMillis(1000), 0.05, 100_000);
		}

	}

	/**
	 * Kinds of poison records.
	 */
	enum Poison {

		/** A value larger than the topic's {@code max.message.bytes}, on a key of the writers. */
		TOO_LARGE,

		/** A record for a topic whose name Kafka refuses, on a key of its own. */
		INVALID_TOPIC

	}

	/**
	 * What the writers wrote.
	 *
	 * @param committedRecords records committed
	 * @param rolledBackRecords records rolled back, on purpose or by a failure
	 * @param failedTransactions transactions that failed
	 * @param inDoubtCommitted failed commits that the ledger showed committed
	 * @param lateCommits transactions held open before committing
	 * @param poisonRecords poison records committed
	 */
	record Totals(long committedRecords, long rolledBackRecords, long failedTransactions, long inDoubtCommitted,
			long lateCommits, int poisonRecords) {
	}

}
