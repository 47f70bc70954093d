package dev.harvest.outbox.stash;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.PGConnection;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.EmbeddedPostgresServer;

/**
 * Measures what the stasher's {@code pg_notify} costs writers: concurrent threads each commit
 * small transactions that stash one record, without notifications, with one per transaction,
 * and with at most one per 10 ms (emulated here), while one connection listens as the
 * harvester would. Prints rows per second and transaction time percentiles, medians of
 * several runs.
 * <p>
 * Runs against {@code HARVEST_TEST_JDBC_URL} (user {@code HARVEST_TEST_JDBC_USERNAME},
 * password {@code HARVEST_TEST_JDBC_PASSWORD}) when set, otherwise against an embedded
 * PostgreSQL, which runs with {@code fsync} and {@code synchronous_commit} off. System
 * properties: {@code threads} (default {@code 1,4,16}), {@code seconds} (measured seconds per
 * cell, default 5), {@code warmup} (seconds, default 1), {@code runs} (default 3),
 * {@code listen} (whether a connection listens, default {@code true}).
 */
final class StashNotifyBenchmark {

	private static final String VALUE = "x".repeat(100);

	private final String jdbcUrl;

	private final String username;

	private final String password;

	private final boolean listen;

	private StashNotifyBenchmark(String jdbcUrl, String username, String password, boolean listen) {
		this.jdbcUrl = jdbcUrl;
		this.username = username;
		this.password = password;
		this.listen = listen;
	}

	public static void main(String[] args) throws Exception {
		int[] threadCounts = Arrays.stream(System.getProperty("threads", "1,4,16").split(","))
			.mapToInt(Integer::parseInt)
			.toArray();
		int seconds = Integer.getInteger("seconds", 5);
		int warmup = Integer.getInteger("warmup", 1);
		int runs = Integer.getInteger("runs", 3);
		String url = System.getenv("HARVEST_TEST_JDBC_URL");
		EmbeddedPostgresServer server = null;
		if (url == null || url.isBlank()) {
			server = EmbeddedPostgresServer.start();
			url = server.jdbcUrl("postgres");
		}
		try {
			StashNotifyBenchmark benchmark = new StashNotifyBenchmark(url, orDefault("HARVEST_TEST_JDBC_USERNAME",
					"postgres"), orDefault("HARVEST_TEST_JDBC_PASSWORD", ""),
					Boolean.parseBoolean(System.getProperty("listen", "true")));
			benchmark.run(threadCounts, seconds, warmup, runs);
		}
		finally {
			if (server != null) {
				server.close();
			}
		}
	}

	private void run(int[] threadCounts, int seconds, int warmup, int runs) throws Exception {
		System.out.println("PostgreSQL: " + this.jdbcUrl + " (" + setting("server_version") + ", fsync="
				+ setting("fsync") + ", synchronous_commit=" + setting("synchronous_commit") + "); " + runs
				+ " runs of " + seconds + " s after " + warmup + " s warm-up; "
				+ (this.listen ? "one connection listening" : "nobody listening") + "; "
				+ Runtime.getRuntime().availableProcessors() + " CPUs");
		Mode[] modes = Mode.values();
		List<String> lines = new ArrayList<>();
		lines.add(String.format(Locale.ROOT, "| %7s | %-9s | %9s | %8s | %8s | %13s |", "threads", "notify", "rows/s",
				"p50 ms", "p99 ms", "rows/s vs off"));
		lines.add("|--------:|:----------|----------:|---------:|---------:|--------------:|");
		for (int threads : threadCounts) {
			Result[][] results = new Result[modes.length][runs];
			for (int run = 0; run < runs; run++) {
				// Rotate the order so that drift over time does not favour one mode.
				for (int i = 0; i < modes.length; i++) {
					Mode mode = modes[(i + run) % modes.length];
					Result result = measure(threads, mode, seconds, warmup);
					results[mode.ordinal()][run] = result;
					System.out.println("  run " + (run + 1) + ": threads=" + threads + " notify=" + mode.label + " -> "
							+ result);
				}
			}
			Result off = Result.median(results[Mode.OFF.ordinal()]);
			for (Mode mode : modes) {
				Result median = Result.median(results[mode.ordinal()]);
				String change = (mode != Mode.OFF) ? String.format(Locale.ROOT, "%+.1f %%",
						100.0 * (median.rowsPerSecond() / off.rowsPerSecond() - 1)) : "";
				lines.add(median.row(threads, mode.label, change));
			}
		}
		System.out.println();
		lines.forEach(System.out::println);
	}

	private Result measure(int threads, Mode mode, int seconds, int warmup) throws Exception {
		String schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		OutboxTable table = new OutboxTable(schema, "outbox");
		try (Connection admin = connect(); Statement statement = admin.createStatement()) {
			statement.execute("CREATE SCHEMA " + schema);
			statement.execute(OutboxTableShape.RECOMMENDED.ddl(table.sql()));
		}
		try (HikariDataSource dataSource = pool(threads); Connection listener = connect()) {
			if (this.listen) {
				try (Statement statement = listener.createStatement()) {
					statement.execute("LISTEN \"" + table.notificationChannel() + "\"");
				}
			}
			OutboxStasher stasher = JdbcOutboxStasher.builder(dataSource)
				.table(table)
				.notifyHarvester(mode == Mode.ON)
				.build();
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			AtomicLong lastNotified = new AtomicLong(System.nanoTime());
			TransactionTemplate transaction = new TransactionTemplate(new JdbcTransactionManager(dataSource));
			AtomicBoolean measuring = new AtomicBoolean();
			AtomicBoolean stop = new AtomicBoolean();
			AtomicLong received = new AtomicLong();
			Thread listening = new Thread(() -> drain(listener, stop, received), "listener");
			listening.start();
			List<long[]> latencies = new ArrayList<>();
			CountDownLatch done = new CountDownLatch(threads);
			for (int t = 0; t < threads; t++) {
				Latencies recorded = new Latencies();
				String keyPrefix = "key-" + t + "-";
				Thread writer = new Thread(() -> {
					long i = 0;
					while (!stop.get()) {
						long start = System.nanoTime();
						String key = keyPrefix + (i++ % 100);
						transaction.executeWithoutResult((status) -> {
							stasher.stash("bench", key, VALUE);
							if (mode == Mode.THROTTLED) {
								notifyAtMostEvery10Millis(jdbc, table, lastNotified);
							}
						});
						if (measuring.get()) {
							recorded.add(System.nanoTime() - start);
						}
					}
					synchronized (latencies) {
						latencies.add(recorded.toArray());
					}
					done.countDown();
				}, "writer-" + t);
				writer.start();
			}
			Thread.sleep(warmup * 1000L);
			measuring.set(true);
			long start = System.nanoTime();
			Thread.sleep(seconds * 1000L);
			measuring.set(false);
			long elapsed = System.nanoTime() - start;
			stop.set(true);
			done.await();
			listening.join();
			long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
			return new Result(all.length * 1e9 / elapsed, percentile(all, 0.50), percentile(all, 0.99),
					received.get());
		}
		finally {
			try (Connection admin = connect(); Statement statement = admin.createStatement()) {
				statement.execute("DROP SCHEMA " + schema + " CASCADE");
			}
		}
	}

	// What a throttled stasher would do: only the first transaction in each 10 ms sends a
	// notification, which is enough to wake a harvester that is idle.
	private static void notifyAtMostEvery10Millis(JdbcTemplate jdbc, OutboxTable table, AtomicLong lastNotified) {
		long now = System.nanoTime();
		long last = lastNotified.get();
		if (now - last >= 10_000_000L && lastNotified.compareAndSet(last, now)) {
			jdbc.query("SELECT pg_notify(?, '')", (rs) -> null, table.notificationChannel());
		}
	}

	private static void drain(Connection listener, AtomicBoolean stop, AtomicLong received) {
		try {
			PGConnection connection = listener.unwrap(PGConnection.class);
			while (!stop.get()) {
				received.addAndGet(connection.getNotifications(100).length);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static double percentile(long[] sorted, double quantile) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
		return sorted[Math.max(0, index)] / 1e6;
	}

	private HikariDataSource pool(int size) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(this.jdbcUrl);
		config.setUsername(this.username);
		config.setPassword(this.password);
		config.setMaximumPoolSize(size);
		config.setMinimumIdle(size);
		return new HikariDataSource(config);
	}

	private Connection connect() throws SQLException {
		return DriverManager.getConnection(this.jdbcUrl, this.username, this.password);
	}

	private String setting(String name) throws SQLException {
		try (Connection connection = connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SHOW " + name)) {
			rs.next();
			return rs.getString(1);
		}
	}

	private static String orDefault(String variable, String fallback) {
		String value = System.getenv(variable);
		return (value != null) ? value : fallback;
	}

	/**
	 * How writers notify: never, in every transaction (the stasher's option), or at most
	 * once per 10 ms across all writers (emulated here, to show what throttling would save).
	 */
	private enum Mode {

		OFF("off"), ON("on"), THROTTLED("<=1/10ms");

		private final String label;

		Mode(String label) {
			this.label = label;
		}

	}

	/**
	 * Transaction times recorded by one writer thread, in nanoseconds.
	 */
	private static final class Latencies {

		private long[] values = new long[1 << 14];

		private int size;

		void add(long value) {
			if (this.size == this.values.length) {
				this.values = Arrays.copyOf(this.values, this.size * 2);
			}
			this.values[this.size++] = value;
		}

		long[] toArray() {
			return Arrays.copyOf(this.values, this.size);
		}

	}

	/**
	 * What one cell of the table measured.
	 *
	 * @param rowsPerSecond committed transactions (one row each) per second
	 * @param p50Millis median transaction time
	 * @param p99Millis 99th percentile transaction time
	 */
	private record Result(double rowsPerSecond, double p50Millis, double p99Millis, long notifications) {

		static Result median(Result[] results) {
			return new Result(median(results, Result::rowsPerSecond), median(results, Result::p50Millis),
					median(results, Result::p99Millis), (long) median(results, Result::notifications));
		}

		private static double median(Result[] results, ToDoubleFunction<Result> field) {
			double[] values = Arrays.stream(results).mapToDouble(field).sorted().toArray();
			int middle = values.length / 2;
			return ((values.length % 2) == 1) ? values[middle] : (values[middle - 1] + values[middle]) / 2;
		}

		String row(int threads, String notify, String change) {
			return String.format(Locale.ROOT, "| %7d | %-9s | %9.0f | %8.2f | %8.2f | %13s |", threads, notify,
					this.rowsPerSecond, this.p50Millis, this.p99Millis, change);
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%.0f rows/s, p50 %.2f ms, p99 %.2f ms, %d notifications received",
					this.rowsPerSecond, this.p50Millis, this.p99Millis, this.notifications);
		}

	}

}
