package dev.harvest.benchmarks;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.HarvestCounters;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.Limits;

import static dev.harvest.benchmarks.DrainMetrics.CPU_PER_RECORD;
import static dev.harvest.benchmarks.DrainMetrics.CPU_SECONDS;
import static dev.harvest.benchmarks.DrainMetrics.DB_PER_RECORD;
import static dev.harvest.benchmarks.DrainMetrics.DRAIN_SECONDS;
import static dev.harvest.benchmarks.DrainMetrics.DUPLICATES;
import static dev.harvest.benchmarks.DrainMetrics.FIRST_TENTH;
import static dev.harvest.benchmarks.DrainMetrics.GC_COUNT;
import static dev.harvest.benchmarks.DrainMetrics.HEAP_AFTER_GC;
import static dev.harvest.benchmarks.DrainMetrics.HEAP_PEAK;
import static dev.harvest.benchmarks.DrainMetrics.IN_FLIGHT;
import static dev.harvest.benchmarks.DrainMetrics.LAST_TENTH;
import static dev.harvest.benchmarks.DrainMetrics.LAST_VS_FIRST;
import static dev.harvest.benchmarks.DrainMetrics.LEADER_SECONDS;
import static dev.harvest.benchmarks.DrainMetrics.LEFT_OVER;
import static dev.harvest.benchmarks.DrainMetrics.LOAD;
import static dev.harvest.benchmarks.DrainMetrics.MACHINE_BUSY;
import static dev.harvest.benchmarks.DrainMetrics.MARKS;
import static dev.harvest.benchmarks.DrainMetrics.MARK_MILLIS;
import static dev.harvest.benchmarks.DrainMetrics.PURGES;
import static dev.harvest.benchmarks.DrainMetrics.PURGE_MILLIS;
import static dev.harvest.benchmarks.DrainMetrics.QUEUED;
import static dev.harvest.benchmarks.DrainMetrics.RATE;
import static dev.harvest.benchmarks.DrainMetrics.RESCANS;
import static dev.harvest.benchmarks.DrainMetrics.RESCAN_MILLIS;
import static dev.harvest.benchmarks.DrainMetrics.ROWS_PER_MARK;
import static dev.harvest.benchmarks.DrainMetrics.SERVER_CPU_PER_RECORD;

/**
 * Drains one pre-loaded backlog with one harvester and measures it: the rate from leadership
 * to an empty table, the rate of the first and the last tenth of the records, CPU, database
 * time and heap.
 */
final class DrainRunner {

	private static final long POLL_MILLIS = 20;

	private static final long SAMPLE_NANOS = 500_000_000L;

	private static final Duration LEADERSHIP_TIMEOUT = Duration.ofSeconds(60);

	/** Slowest drain rate before a run is given up, so that a stuck harvester cannot hang the suite. */
	private static final long SLOWEST_RATE = 500;

	/** Rows of the unmeasured drain that warms up the JIT compiler and the servers. */
	private static final long WARM_UP_ROWS = 100_000;

	private final Infrastructure infrastructure;

	private boolean warmedUp;

	DrainRunner(Infrastructure infrastructure) {
		this.infrastructure = infrastructure;
	}

	/**
	 * Drains a backlog once without measuring it, the first time it is called, so that the
	 * first measured run does not pay for compiling the code it runs.
	 */
	void warmUpOnce() {
		if (this.warmedUp) {
			return;
		}
		this.warmedUp = true;
		System.out.printf(Locale.ROOT, "  warm-up: draining %,d rows, not measured%n", WARM_UP_ROWS);
		run(new DrainCase("warm-up", WARM_UP_ROWS, 10_000, 100, 8, Limits.defaults(),
				Map.of()));
	}

	RunResult run(DrainCase drain) {
		try (OutboxFixture fixture = OutboxFixture.create(this.infrastructure, drain.partitions(), 10)) {
			long loadStart = System.nanoTime();
			fixture.preload(drain.rows(), drain.keys(), drain.valueBytes());
			System.out.printf(Locale.ROOT, "    loaded %,d rows in %.1f s%n", drain.rows(),
					(System.nanoTime() - loadStart) / 1e9);
			return drain(fixture, drain);
		}
	}

	private RunResult drain(OutboxFixture fixture, DrainCase drain) {
		StatementTimings timings = new StatementTimings();
		TimedDataSource dataSource = new TimedDataSource(fixture.dataSource(), timings);
		double load = LoadAverage.oneMinute();
		Progress progress = new Progress(drain.rows());
		Timeline timeline = new Timeline("records/s", "records in flight", "records queued", "mark statement ms",
				"purge statement ms", "heap used MB");
		@Nullable ProcessHandle servers = this.infrastructure.serversInProcessTree() ? this.infrastructure.process()
				: null;
		Map<String, Double> values = new LinkedHashMap<>();
		try (HeapMeter heap = HeapMeter.start()) {
			CpuSnapshot before = CpuSnapshot.take(servers);
			long started = System.nanoTime();
			long acquired;
			try (HarvesterRun run = HarvesterRun.start(dataSource, fixture.table(), this.infrastructure.bootstrapServers(),
					drain.limits(), drain.producerSettings())) {
				acquired = run.awaitLeadership(LEADERSHIP_TIMEOUT);
				watch(run.harvester(), drain, acquired, progress, timeline, timings);
			}
			CpuUsage cpu = CpuSnapshot.take(servers).since(before);
			double records = drain.rows();
			double seconds = (progress.emptyNanos - acquired) / 1e9;
			long tenth = Math.max(1, drain.rows() / 10);
			double first = tenth / ((progress.firstTenthNanos - acquired) / 1e9);
			double last = (drain.rows() - progress.lastTenthStart)
					/ ((progress.allPublishedNanos - progress.lastTenthNanos) / 1e9);
			Map<StatementTimings.Kind, StatementTimings.Total> totals = timings.totals();
			StatementTimings.Total marks = totals.get(StatementTimings.Kind.MARK);
			StatementTimings.Total rescans = totals.get(StatementTimings.Kind.RESCAN);
			StatementTimings.Total purges = totals.get(StatementTimings.Kind.PURGE);
			values.put(RATE.key(), records / seconds);
			values.put(FIRST_TENTH.key(), first);
			values.put(LAST_TENTH.key(), last);
			values.put(LAST_VS_FIRST.key(), 100 * last / first);
			values.put(DRAIN_SECONDS.key(), seconds);
			values.put(LEADER_SECONDS.key(), (acquired - started) / 1e9);
			values.put(CPU_SECONDS.key(), cpu.processSeconds());
			values.put(CPU_PER_RECORD.key(), cpu.processSeconds() * 1e6 / records);
			values.put(SERVER_CPU_PER_RECORD.key(), cpu.serverSeconds() * 1e6 / records);
			values.put(MACHINE_BUSY.key(), 100 * cpu.machineBusyFraction());
			values.put(DB_PER_RECORD.key(), (marks.seconds() + rescans.seconds() + purges.seconds()) * 1e6 / records);
			values.put(MARKS.key(), (double) marks.count());
			values.put(ROWS_PER_MARK.key(), records / marks.count());
			values.put(MARK_MILLIS.key(), marks.averageMillis());
			values.put(RESCANS.key(), (double) rescans.count());
			values.put(RESCAN_MILLIS.key(), rescans.averageMillis());
			values.put(PURGES.key(), (double) purges.count());
			values.put(PURGE_MILLIS.key(), purges.averageMillis());
			values.put(IN_FLIGHT.key(), progress.meanInFlight());
			values.put(QUEUED.key(), progress.meanQueued());
			values.put(HEAP_PEAK.key(), heap.peakUsedMegabytes());
			values.put(HEAP_AFTER_GC.key(), heap.peakAfterGcMegabytes());
			values.put(GC_COUNT.key(), (double) heap.collections());
		}
		values.put(DUPLICATES.key(), (double) (TopicOffsets.records(this.infrastructure, fixture.topic()) - drain.rows()));
		values.put(LEFT_OVER.key(), (double) fixture.count());
		values.put(LOAD.key(), load);
		System.out.printf(Locale.ROOT, "    %,.0f records/s (first tenth %,.0f, last tenth %,.0f), %.1f µs CPU/record,"
				+ " heap after GC %.0f MB, load %.2f%n", values.get(RATE.key()), values.get(FIRST_TENTH.key()),
				values.get(LAST_TENTH.key()), values.get(CPU_PER_RECORD.key()), values.get(HEAP_AFTER_GC.key()), load);
		return new RunResult(values, timeline);
	}

	private static void watch(Harvester harvester, DrainCase drain, long acquired, Progress progress,
			Timeline timeline, StatementTimings timings) {
		long deadline = acquired + Duration.ofSeconds(Math.max(600, drain.rows() / SLOWEST_RATE)).toNanos();
		long lastSample = acquired;
		long lastPublished = 0;
		Map<StatementTimings.Kind, StatementTimings.Total> lastTotals = timings.totals();
		while (true) {
			long now = System.nanoTime();
			HarvestCounters counters = harvester.counters();
			progress.update(counters, now);
			if (progress.emptyNanos == 0) {
				progress.sample(harvester.inFlightRecords(), harvester.queuedRecords());
			}
			if (now - lastSample >= SAMPLE_NANOS) {
				Map<StatementTimings.Kind, StatementTimings.Total> totals = timings.totals();
				timeline.add((now - acquired) / 1e9, (counters.published() - lastPublished) * 1e9 / (now - lastSample),
						harvester.inFlightRecords(), harvester.queuedRecords(),
						averageMillis(totals, lastTotals, StatementTimings.Kind.MARK),
						averageMillis(totals, lastTotals, StatementTimings.Kind.PURGE), HeapMeter.usedMegabytes());
				lastSample = now;
				lastPublished = counters.published();
				lastTotals = totals;
			}
			if (progress.emptyNanos > 0) {
				return;
			}
			if (now > deadline) {
				throw new IllegalStateException("Drain did not finish in time: " + counters);
			}
			Sleep.millis(POLL_MILLIS);
		}
	}

	private static double averageMillis(Map<StatementTimings.Kind, StatementTimings.Total> totals,
			Map<StatementTimings.Kind, StatementTimings.Total> earlier, StatementTimings.Kind kind) {
		long count = totals.get(kind).count() - earlier.get(kind).count();
		return (count > 0) ? (totals.get(kind).seconds() - earlier.get(kind).seconds()) * 1000 / count : Double.NaN;
	}

	/**
	 * When the drain passed its milestones: a tenth published, nine tenths published, all
	 * published, all purged.
	 */
	private static final class Progress {

		private final long rows;

		private final long tenth;

		private final long lastTenthStart;

		private long firstTenthNanos;

		private long lastTenthNanos;

		private long allPublishedNanos;

		private long emptyNanos;

		private long samples;

		private long inFlightSum;

		private long queuedSum;

		Progress(long rows) {
			this.rows = rows;
			this.tenth = Math.max(1, rows / 10);
			this.lastTenthStart = rows - this.tenth;
		}

		void sample(int inFlight, int queued) {
			this.samples++;
			this.inFlightSum += inFlight;
			this.queuedSum += queued;
		}

		double meanInFlight() {
			return (this.samples > 0) ? (double) this.inFlightSum / this.samples : Double.NaN;
		}

		double meanQueued() {
			return (this.samples > 0) ? (double) this.queuedSum / this.samples : Double.NaN;
		}

		void update(HarvestCounters counters, long now) {
			if (this.firstTenthNanos == 0 && counters.published() >= this.tenth) {
				this.firstTenthNanos = now;
			}
			if (this.lastTenthNanos == 0 && counters.published() >= this.lastTenthStart) {
				this.lastTenthNanos = now;
			}
			if (this.allPublishedNanos == 0 && counters.published() >= this.rows) {
				this.allPublishedNanos = now;
			}
			if (this.emptyNanos == 0 && counters.purged() >= this.rows) {
				this.emptyNanos = now;
			}
		}

	}

}
