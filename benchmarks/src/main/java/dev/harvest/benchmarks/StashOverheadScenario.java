package dev.harvest.benchmarks;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.postgresql.PGConnection;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.stash.JdbcOutboxStasher;

/**
 * What stashing adds to a business transaction: writer threads commit, as fast as they can,
 * transactions that insert one order, alone, with {@code stash} of one record, or with
 * {@code stashAll} of 100 records, with NOTIFY on and off. One connection listens on the
 * outbox's channel as a harvester would; no harvester runs, so that only the writers' cost
 * is measured.
 */
final class StashOverheadScenario implements Scenario {

	private static final int WARMUP_SECONDS = 2;

	private static final int KEYS = 10_000;

	private static final byte[] VALUE = "v".repeat(100).getBytes(StandardCharsets.US_ASCII);

	static final Metric TRANSACTIONS = new Metric("tx_per_s", "tx/s", "transactions/s", 0);

	static final Metric ROWS = new Metric("outbox_rows_per_s", "outbox rows/s", "rows/s", 0);

	static final Metric P50 = new Metric("tx_p50_ms", "tx p50 ms", "ms", 2);

	static final Metric P99 = new Metric("tx_p99_ms", "tx p99 ms", "ms", 2);

	static final Metric NOTIFICATIONS = new Metric("notifications", "notifications", "received", 0);

	static final Metric LOAD = new Metric("load_average", "load", "1-min load average", 2);

	private static final List<Metric> METRICS = List.of(TRANSACTIONS, ROWS, P50, P99, NOTIFICATIONS, LOAD);

	private final Infrastructure infrastructure;

	private final BenchmarkOptions options;

	StashOverheadScenario(Infrastructure infrastructure, BenchmarkOptions options) {
		this.infrastructure = infrastructure;
		this.options = options;
	}

	@Override
	public String name() {
		return "stash";
	}

	@Override
	public String description() {
		return "Writer threads commit back-to-back transactions that insert one row into an orders table,"
				+ " alone or with stash (1 record) or stashAll (100 records) of 100-byte values, for "
				+ this.options.stashSeconds() + " s after " + WARMUP_SECONDS + " s of warm-up. One connection"
				+ " LISTENs on the outbox channel; no harvester runs. Times are whole transactions, commit included.";
	}

	@Override
	public List<Metric> columns() {
		return List.of(TRANSACTIONS, ROWS, P50, P99, LOAD);
	}

	@Override
	public void run(CaseRunner cases) {
		for (int threads : this.options.stashThreads()) {
			for (Work work : Work.values()) {
				for (boolean notify : (work == Work.BUSINESS_ONLY) ? List.of(false) : List.of(true, false)) {
					Map<String, Object> parameters = new LinkedHashMap<>();
					parameters.put("threads", threads);
					parameters.put("work", work.label);
					parameters.put("notify", (work == Work.BUSINESS_ONLY) ? "n/a" : notify);
					String name = String.format(Locale.ROOT, "%d thread%s, %s%s", threads, (threads == 1) ? "" : "s",
							work.label, (work == Work.BUSINESS_ONLY) ? "" : ", NOTIFY " + (notify ? "on" : "off"));
					cases.run(name, parameters, METRICS, List.of(), (run) -> measure(threads, work, notify));
				}
			}
		}
	}

	private RunResult measure(int threads, Work work, boolean notify) throws Exception {
		double load = LoadAverage.oneMinute();
		try (OutboxFixture fixture = OutboxFixture.create(this.infrastructure, 1, threads + 1);
				Connection listening = fixture.dataSource().getConnection()) {
			JdbcTemplate jdbc = new JdbcTemplate(fixture.dataSource());
			jdbc.execute("CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, customer TEXT NOT NULL,"
					+ " amount NUMERIC(12, 2) NOT NULL, created TIMESTAMPTZ NOT NULL DEFAULT now())");
			try (Statement statement = listening.createStatement()) {
				statement.execute("LISTEN \"" + fixture.table().notificationChannel() + "\"");
			}
			JdbcOutboxStasher stasher = JdbcOutboxStasher.builder(fixture.dataSource())
				.table(fixture.table())
				.notifyHarvester(notify)
				.build();
			TransactionTemplate transaction = new TransactionTemplate(new JdbcTransactionManager(fixture.dataSource()));
			AtomicBoolean stop = new AtomicBoolean();
			AtomicBoolean measuring = new AtomicBoolean();
			long[] notifications = new long[1];
			Thread listener = new Thread(() -> notifications[0] = drain(listening, stop), "listener");
			List<Writer> writers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				writers.add(new Writer(Integer.toString(t), () -> transaction.executeWithoutResult((status) -> {
					jdbc.update("INSERT INTO orders (customer, amount) VALUES (?, ?)", "customer", BigDecimal.TEN);
					work.stash(stasher);
				}), stop, measuring));
			}
			listener.start();
			writers.forEach((writer) -> writer.thread.start());
			long elapsed;
			try {
				Sleep.millis(WARMUP_SECONDS * 1000L);
				measuring.set(true);
				long start = System.nanoTime();
				Sleep.millis(this.options.stashSeconds() * 1000L);
				measuring.set(false);
				elapsed = System.nanoTime() - start;
			}
			finally {
				stop.set(true);
				for (Writer writer : writers) {
					writer.thread.join(30_000);
				}
				listener.join(10_000);
			}
			long failures = writers.stream().mapToLong((writer) -> writer.failures).sum();
			if (failures > 0) {
				System.out.println("    " + failures + " transactions failed");
			}
			long[] all = writers.stream().flatMapToLong((writer) -> Arrays.stream(writer.times())).sorted().toArray();
			Map<String, Double> values = new LinkedHashMap<>();
			values.put(TRANSACTIONS.key(), all.length * 1e9 / elapsed);
			values.put(ROWS.key(), all.length * 1e9 / elapsed * work.records);
			values.put(P50.key(), LatencyTracker.quantileMillis(all, 0.50));
			values.put(P99.key(), LatencyTracker.quantileMillis(all, 0.99));
			values.put(NOTIFICATIONS.key(), (double) notifications[0]);
			values.put(LOAD.key(), load);
			System.out.printf(Locale.ROOT, "    %,.0f tx/s, p50 %.2f ms, p99 %.2f ms%n", values.get(TRANSACTIONS.key()),
					values.get(P50.key()), values.get(P99.key()));
			return new RunResult(values, Timeline.empty());
		}
	}

	private static long drain(Connection connection, AtomicBoolean stop) {
		long received = 0;
		try {
			PGConnection postgres = connection.unwrap(PGConnection.class);
			while (!stop.get()) {
				received += postgres.getNotifications(100).length;
			}
		}
		catch (SQLException ex) {
			System.out.println("    listening failed: " + ex);
		}
		return received;
	}

	/**
	 * One writer thread committing transactions back to back and timing them while measuring.
	 */
	private static final class Writer {

		private final Thread thread;

		private final Runnable transaction;

		private final AtomicBoolean stop;

		private final AtomicBoolean measuring;

		private long[] times = new long[1 << 14];

		private int size;

		private volatile long failures;

		Writer(String name, Runnable transaction, AtomicBoolean stop, AtomicBoolean measuring) {
			this.transaction = transaction;
			this.stop = stop;
			this.measuring = measuring;
			this.thread = new Thread(this::write, "stash-writer-" + name);
		}

		private void write() {
			while (!this.stop.get()) {
				long start = System.nanoTime();
				try {
					this.transaction.run();
				}
				catch (RuntimeException ex) {
					this.failures++;
					continue;
				}
				if (this.measuring.get()) {
					if (this.size == this.times.length) {
						this.times = Arrays.copyOf(this.times, this.size * 2);
					}
					this.times[this.size++] = System.nanoTime() - start;
				}
			}
		}

		/**
		 * Returns the measured transaction times; read after the thread has ended.
		 * @return nanoseconds
		 */
		long[] times() {
			return Arrays.copyOf(this.times, this.size);
		}

	}

	/**
	 * What a transaction does besides inserting its order.
	 */
	private enum Work {

		BUSINESS_ONLY("insert only", 0),

		STASH("insert + stash 1", 1),

		STASH_ALL("insert + stashAll 100", 100);

		private final String label;

		private final int records;

		Work(String label, int records) {
			this.label = label;
			this.records = records;
		}

		void stash(JdbcOutboxStasher stasher) {
			if (this == STASH) {
				stasher.stash(new OutboxRecord("orders", "key-" + nextKey(), VALUE, List.of()));
			}
			else if (this == STASH_ALL) {
				List<OutboxRecord> records = new ArrayList<>(this.records);
				for (int i = 0; i < this.records; i++) {
					records.add(new OutboxRecord("orders", "key-" + nextKey(), VALUE, List.of()));
				}
				stasher.stashAll(records);
			}
		}

		private static int nextKey() {
			return ThreadLocalRandom.current().nextInt(KEYS);
		}

	}

}
