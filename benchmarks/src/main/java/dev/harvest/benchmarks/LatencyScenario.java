package dev.harvest.benchmarks;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;

import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.stash.JdbcOutboxStasher;
import dev.harvest.outbox.test.TopicReader;

/**
 * Writers stash one record per transaction at a steady rate through {@link JdbcOutboxStasher}
 * while one harvester publishes; measures the time from each commit to Kafka's
 * acknowledgement of its record, and to a consumer receiving it, with NOTIFY on and off.
 */
final class LatencyScenario implements Scenario {

	private static final int PARTITIONS = 8;

	private static final int KEYS = 1000;

	private static final int VALUE_BYTES = 100;

	private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

	static final Metric TARGET_RATE = new Metric("target_rate", "target rows/s", "rows/s", 0);

	static final Metric RATE = new Metric("rate", "rows/s", "rows/s", 0);

	static final Metric ACK_P50 = new Metric("ack_p50_ms", "ack p50 ms", "ms", 1);

	static final Metric ACK_P90 = new Metric("ack_p90_ms", "ack p90 ms", "ms", 1);

	static final Metric ACK_P99 = new Metric("ack_p99_ms", "ack p99 ms", "ms", 1);

	static final Metric ACK_MAX = new Metric("ack_max_ms", "ack max ms", "ms", 1);

	static final Metric RECEIVE_P50 = new Metric("receive_p50_ms", "recv p50 ms", "ms", 1);

	static final Metric RECEIVE_P99 = new Metric("receive_p99_ms", "recv p99 ms", "ms", 1);

	static final Metric RECEIVE_MAX = new Metric("receive_max_ms", "recv max ms", "ms", 1);

	static final Metric COUNT = new Metric("records", "records", "records", 0);

	static final Metric MISSING = new Metric("missing", "missing", "records", 0);

	static final Metric DUPLICATES = new Metric("duplicates", "dups", "records", 0);

	static final Metric SKIPPED = new Metric("writer_skips", "writer skips", "times", 0);

	static final Metric MARKS = new Metric("marks_per_s", "marks/s", "statements/s", 0);

	static final Metric MARK_MILLIS = new Metric("mark_ms", "mark ms", "ms", 2);

	static final Metric RESCANS = new Metric("rescans_per_s", "rescans/s", "statements/s", 0);

	static final Metric RESCAN_MILLIS = new Metric("rescan_ms", "rescan ms", "ms", 2);

	static final Metric MACHINE_BUSY = new Metric("machine_busy_pct", "machine busy %", "%", 0);

	static final Metric LOAD = new Metric("load_average", "load", "1-min load average", 2);

	private static final List<Metric> METRICS = List.of(TARGET_RATE, RATE, ACK_P50, ACK_P90, ACK_P99, ACK_MAX,
			RECEIVE_P50, RECEIVE_P99, RECEIVE_MAX, COUNT, MISSING, DUPLICATES, SKIPPED, MARKS, MARK_MILLIS, RESCANS,
			RESCAN_MILLIS, MACHINE_BUSY, LOAD);

	private final Infrastructure infrastructure;

	private final BenchmarkOptions options;

	LatencyScenario(Infrastructure infrastructure, BenchmarkOptions options) {
		this.infrastructure = infrastructure;
		this.options = options;
	}

	@Override
	public String name() {
		return "latency";
	}

	@Override
	public String description() {
		return "Writer threads (" + this.options.latencyWriters() + ") stash one 100-byte record per transaction"
				+ " at a steady rate over " + KEYS + " keys while one harvester with default limits publishes."
				+ " \"ack\" is from the commit returning to the writer until Kafka acknowledged the record to the"
				+ " harvester's producer (a producer interceptor); \"recv\" until a consumer in the same JVM received"
				+ " it. Both clocks are this JVM's. The first " + this.options.warmupSeconds() + " s are warm-up; "
				+ this.options.latencySeconds() + " s are measured.";
	}

	@Override
	public List<Metric> columns() {
		return List.of(RATE, ACK_P50, ACK_P90, ACK_P99, ACK_MAX, RECEIVE_P50, RECEIVE_P99, MISSING, DUPLICATES,
				MARKS, MARK_MILLIS, RESCANS, RESCAN_MILLIS, MACHINE_BUSY, LOAD);
	}

	@Override
	public void run(CaseRunner cases) {
		// The first run in this JVM would also measure the compilation of the writers' and the
		// harvester's code.
		int firstRate = this.options.latencyRates().get(0);
		System.out.printf(Locale.ROOT, "  warm-up: %,d rows/s with NOTIFY, not measured%n", firstRate);
		measure(firstRate, true);
		for (int rate : this.options.latencyRates()) {
			for (boolean notify : List.of(true, false)) {
				Map<String, Object> parameters = new LinkedHashMap<>();
				parameters.put("rows/s", rate);
				parameters.put("notify", notify);
				parameters.put("writers", this.options.latencyWriters());
				parameters.put("keys", KEYS);
				parameters.put("value-bytes", VALUE_BYTES);
				parameters.put("partitions", PARTITIONS);
				parameters.put("limits", "defaults");
				this.options.producerOverrides().forEach((name, value) -> parameters.put("producer." + name, value));
				List<Target> targets = (rate == 1000 && notify)
						? List.of(Target.atMost(ACK_P50.key(), 20, "commit->ack p50 <= 20 ms at 1,000 rows/s with NOTIFY"),
								Target.atMost(ACK_P99.key(), 100, "commit->ack p99 <= 100 ms at 1,000 rows/s with NOTIFY"))
						: List.of();
				String name = String.format(Locale.ROOT, "%,d rows/s, NOTIFY %s", rate, notify ? "on" : "off");
				cases.run(name, parameters, METRICS, targets, (run) -> measure(rate, notify));
			}
		}
	}

	private RunResult measure(int rate, boolean notify) {
		int writers = this.options.latencyWriters();
		try (OutboxFixture fixture = OutboxFixture.create(this.infrastructure, PARTITIONS, writers + 2)) {
			LatencyTracker acks = new LatencyTracker();
			LatencyTracker receipts = new LatencyTracker();
			Map<String, Object> producer = new HashMap<>(this.options.producerOverrides());
			producer.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, AckInterceptor.class.getName());
			producer.put(AckInterceptor.TRACKER, acks);
			double load = LoadAverage.oneMinute();
			StatementTimings timings = new StatementTimings();
			try (HarvesterRun harvester = HarvesterRun.start(new TimedDataSource(fixture.dataSource(), timings),
					fixture.table(),
					this.infrastructure.bootstrapServers(), Limits.defaults(), producer);
					TopicReader reader = TopicReader.start(this.infrastructure.bootstrapServers(), fixture.topic(),
							(record, nanos) -> receipts.arrived(AckInterceptor.id(record.headers()), nanos))) {
				harvester.awaitLeadership(Duration.ofSeconds(60));
				JdbcOutboxStasher stasher = JdbcOutboxStasher.builder(fixture.dataSource())
					.table(fixture.table())
					.notifyHarvester(notify)
					.build();
				SteadyWriters steady = new SteadyWriters(fixture.dataSource(), stasher, fixture.topic(), writers, rate,
						KEYS, VALUE_BYTES, (id, key, sequence, nanos) -> {
							acks.committed(id, nanos);
							receipts.committed(id, nanos);
						});
				long started = System.nanoTime();
				long windowStart;
				long windowEnd;
				long committedAtStart;
				long committedAtEnd;
				CpuUsage cpu;
				Map<StatementTimings.Kind, StatementTimings.Total> statementsBefore;
				Map<StatementTimings.Kind, StatementTimings.Total> statementsAfter;
				steady.start();
				try {
					Sleep.millis(this.options.warmupSeconds() * 1000L);
					CpuSnapshot before = CpuSnapshot.take(null);
					statementsBefore = timings.totals();
					windowStart = System.nanoTime();
					committedAtStart = steady.committed();
					Sleep.millis(this.options.latencySeconds() * 1000L);
					windowEnd = System.nanoTime();
					committedAtEnd = steady.committed();
					statementsAfter = timings.totals();
					cpu = CpuSnapshot.take(null).since(before);
				}
				finally {
					steady.stop();
				}
				settle(acks, receipts, started, reader);
				RunResult result = result(rate, steady, acks, receipts, started, windowStart, windowEnd,
						committedAtEnd - committedAtStart, cpu, load);
				double seconds = (windowEnd - windowStart) / 1e9;
				statements(result.values(), statementsBefore, statementsAfter, StatementTimings.Kind.MARK, seconds, MARKS,
						MARK_MILLIS);
				statements(result.values(), statementsBefore, statementsAfter, StatementTimings.Kind.RESCAN, seconds,
						RESCANS, RESCAN_MILLIS);
				return result;
			}
		}
	}

	private static void statements(Map<String, Double> values, Map<StatementTimings.Kind, StatementTimings.Total> before,
			Map<StatementTimings.Kind, StatementTimings.Total> after, StatementTimings.Kind kind, double seconds,
			Metric rate, Metric millis) {
		long count = after.get(kind).count() - before.get(kind).count();
		double time = after.get(kind).seconds() - before.get(kind).seconds();
		values.put(rate.key(), count / seconds);
		values.put(millis.key(), (count > 0) ? time * 1000 / count : Double.NaN);
	}

	private static void settle(LatencyTracker acks, LatencyTracker receipts, long started, TopicReader reader) {
		long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
		long end = System.nanoTime() + 1;
		while (System.nanoTime() < deadline
				&& (acks.waiting(started, end) > 0 || receipts.waiting(started, end) > 0)) {
			reader.check();
			Sleep.millis(100);
		}
		// Give a duplicate a moment to show.
		Sleep.millis(500);
	}

	private static RunResult result(int rate, SteadyWriters steady, LatencyTracker acks, LatencyTracker receipts,
			long started, long windowStart, long windowEnd, long committed, CpuUsage cpu, double load) {
		long[] ack = acks.latencies(windowStart, windowEnd);
		long[] receive = receipts.latencies(windowStart, windowEnd);
		Map<String, Double> values = new LinkedHashMap<>();
		values.put(TARGET_RATE.key(), (double) rate);
		values.put(RATE.key(), committed * 1e9 / (windowEnd - windowStart));
		values.put(ACK_P50.key(), LatencyTracker.quantileMillis(ack, 0.50));
		values.put(ACK_P90.key(), LatencyTracker.quantileMillis(ack, 0.90));
		values.put(ACK_P99.key(), LatencyTracker.quantileMillis(ack, 0.99));
		values.put(ACK_MAX.key(), LatencyTracker.quantileMillis(ack, 1));
		values.put(RECEIVE_P50.key(), LatencyTracker.quantileMillis(receive, 0.50));
		values.put(RECEIVE_P99.key(), LatencyTracker.quantileMillis(receive, 0.99));
		values.put(RECEIVE_MAX.key(), LatencyTracker.quantileMillis(receive, 1));
		values.put(COUNT.key(), (double) ack.length);
		values.put(MISSING.key(), (double) receipts.waiting(windowStart, windowEnd));
		values.put(DUPLICATES.key(), (double) receipts.duplicates());
		values.put(SKIPPED.key(), (double) steady.skipped());
		values.put(MACHINE_BUSY.key(), 100 * cpu.machineBusyFraction());
		values.put(LOAD.key(), load);
		if (steady.failed() > 0) {
			System.out.println("    " + steady.failed() + " writer transactions failed, the last with "
					+ steady.lastFailure());
		}
		System.out.printf(Locale.ROOT, "    %,.0f rows/s, commit->ack p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
				+ " commit->receive p50 %.1f ms, p99 %.1f ms; %d arrived before the commit returned%n",
				values.get(RATE.key()), values.get(ACK_P50.key()), values.get(ACK_P99.key()), values.get(ACK_MAX.key()),
				values.get(RECEIVE_P50.key()), values.get(RECEIVE_P99.key()), acks.arrivedBeforeCommit());
		return new RunResult(values, timeline(acks, started, windowEnd));
	}

	// Per second of commit time, warm-up included: the acknowledgement latency and the rate.
	private static Timeline timeline(LatencyTracker acks, long started, long end) {
		Timeline timeline = new Timeline("commit->ack p50 ms", "commit->ack p99 ms", "acknowledged records/s");
		for (long from = started; from < end; from += 1_000_000_000L) {
			long[] second = acks.latencies(from, from + 1_000_000_000L);
			timeline.add((from - started) / 1e9 + 1, LatencyTracker.quantileMillis(second, 0.5),
					LatencyTracker.quantileMillis(second, 0.99), second.length);
		}
		return timeline;
	}

}
