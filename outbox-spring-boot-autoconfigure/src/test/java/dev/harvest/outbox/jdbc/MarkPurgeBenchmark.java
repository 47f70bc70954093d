package dev.harvest.outbox.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;

import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * Measures mark+purge cycles per second while draining a pre-loaded backlog, marking forward
 * from a cursor versus always from the head of the table, whose index still holds the
 * entries of purged rows. Not part of the test suite: run its main method with the test
 * class path; the optional arguments are the backlog size and the rows per mark.
 */
final class MarkPurgeBenchmark {

	private static final String GROUP = "benchmark";

	private static final int WINDOWS = 10;

	private MarkPurgeBenchmark() {
	}

	public static void main(String[] args) throws SQLException {
		int backlog = (args.length > 0) ? Integer.parseInt(args[0]) : 200_000;
		int batch = (args.length > 1) ? Integer.parseInt(args[1]) : 100;
		TestInfrastructure infrastructure = TestInfrastructure.get();
		System.out.printf(Locale.ROOT, "backlog %,d rows, %d rows per mark, PostgreSQL %s%n", backlog, batch,
				infrastructure.databaseMode());
		// Warm up the JIT and the server before anything is measured.
		run(infrastructure.newDatabase(), Mode.CURSOR, false, backlog / 10, batch, false);
		for (boolean snapshotHeld : List.of(false, true)) {
			for (Mode mode : List.of(Mode.HEAD, Mode.CURSOR, Mode.HEAD, Mode.CURSOR)) {
				run(infrastructure.newDatabase(), mode, snapshotHeld, backlog, batch, true);
			}
		}
		System.exit(0);
	}

	private static void run(TestDatabase database, Mode mode, boolean snapshotHeld, int backlog, int batch,
			boolean print) throws SQLException {
		try (HikariDataSource dataSource = database.createDataSource(3)) {
			OutboxTable table = new OutboxTable(database.schema(), "outbox");
			new OutboxSchema(dataSource, table).initialize();
			// 100-byte values over 10,000 keys, written server-side so that loading is quick.
			TestDatabase.execute(dataSource, "INSERT INTO " + table.sql() + " (kafka_topic, kafka_key, kafka_value,"
					+ " kafka_header_keys, kafka_header_values) SELECT 'orders', 'key-' || (i % 10000),"
					+ " convert_to(rpad(i::text, 100, 'x'), 'UTF8'), '{}', '{}' FROM generate_series(1, " + backlog
					+ ") AS i", "VACUUM ANALYZE " + table.sql());
			JdbcOutboxStore store = new JdbcOutboxStore(dataSource, table);
			// Another session's long transaction (a report, a slow writer) keeps the entries of
			// purged rows alive for every index scan that passes them.
			Connection holder = dataSource.getConnection();
			holder.setAutoCommit(false);
			if (snapshotHeld) {
				try (Statement statement = holder.createStatement()) {
					statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
					statement.execute("SELECT count(*) FROM " + table.sql());
				}
			}
			UUID leaderId = UUID.randomUUID();
			long epoch = store.acquireEpoch(GROUP, "benchmark", leaderId);
			int window = Math.max(1, backlog / batch / WINDOWS);
			List<String> rates = new ArrayList<>();
			long cursor = 0;
			int cycles = 0;
			int drained = 0;
			long start = System.nanoTime();
			long windowStart = start;
			while (true) {
				long afterId = (mode == Mode.CURSOR) ? cursor : 0;
				MarkResult result = store.mark(GROUP, epoch, leaderId, afterId, Long.MAX_VALUE, batch);
				if (result.rows().isEmpty()) {
					break;
				}
				List<Long> ids = result.rows().stream().map(OutboxRow::id).toList();
				cursor = ids.get(ids.size() - 1);
				drained += store.purge(GROUP, epoch, ids).deleted();
				cycles++;
				if (cycles % window == 0) {
					long now = System.nanoTime();
					rates.add(String.format(Locale.ROOT, "%.0f", window / ((now - windowStart) / 1e9)));
					windowStart = now;
				}
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			long rescanStart = System.nanoTime();
			MarkResult rescan = store.mark(GROUP, epoch, leaderId, 0, cursor, batch);
			double rescanMillis = (System.nanoTime() - rescanStart) / 1e6;
			holder.rollback();
			holder.close();
			if (!print) {
				return;
			}
			System.out.printf(Locale.ROOT,
					"%-6s %-15s drained %,d rows in %.1f s: %.0f cycles/s (%.0f rows/s); cycles/s per tenth of the"
							+ " backlog: %s; then one head rescan (0, cursor] found %d rows in %.1f ms%n",
					mode, snapshotHeld ? "snapshot held" : "no snapshot", drained, seconds, cycles / seconds, drained / seconds, String.join(" ", rates),
					rescan.rows().size(), rescanMillis);
		}
	}

	private enum Mode {

		/** Every mark starts at the head of the table, as goharvest's does. */
		HEAD,

		/** Every mark starts right above the highest id marked so far. */
		CURSOR

	}

}
