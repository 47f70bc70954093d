package dev.harvest.benchmarks;

import java.util.List;
import java.util.Map;

import dev.harvest.outbox.harvest.Limits;

import static dev.harvest.benchmarks.DrainMetrics.CPU_PER_RECORD;
import static dev.harvest.benchmarks.DrainMetrics.DB_PER_RECORD;
import static dev.harvest.benchmarks.DrainMetrics.HEAP_AFTER_GC;
import static dev.harvest.benchmarks.DrainMetrics.IN_FLIGHT;
import static dev.harvest.benchmarks.DrainMetrics.LAST_VS_FIRST;
import static dev.harvest.benchmarks.DrainMetrics.LOAD;
import static dev.harvest.benchmarks.DrainMetrics.MARK_MILLIS;
import static dev.harvest.benchmarks.DrainMetrics.PURGE_MILLIS;
import static dev.harvest.benchmarks.DrainMetrics.RATE;
import static dev.harvest.benchmarks.DrainMetrics.ROWS_PER_MARK;
import static dev.harvest.benchmarks.DrainMetrics.SERVER_CPU_PER_RECORD;

/**
 * Drain rate against {@code send-concurrency}, {@code mark-query-records} and the size of
 * the backlog; the cost per record must not grow with the backlog.
 */
final class ScalingScenario implements Scenario {

	private static final int KEYS = 10_000;

	private static final int VALUE_BYTES = 100;

	private static final int PARTITIONS = 8;

	private final DrainRunner runner;

	private final BenchmarkOptions options;

	ScalingScenario(DrainRunner runner, BenchmarkOptions options) {
		this.runner = runner;
		this.options = options;
	}

	@Override
	public String name() {
		return "scaling";
	}

	@Override
	public String description() {
		return "The drain of 100-byte values over 10,000 keys, varying one limit at a time from the defaults"
				+ " (send-concurrency; send-buffer with one shard; mark-query-records; backlog "
				+ this.options.scalingRows() + " rows), then the backlog size with default limits. CPU and DB time"
				+ " per record show whether the cost of a record grows with the backlog; \"in flight\" is the mean"
				+ " number of records sent and not yet acknowledged.";
	}

	@Override
	public List<Metric> columns() {
		return List.of(RATE, LAST_VS_FIRST, CPU_PER_RECORD, SERVER_CPU_PER_RECORD, DB_PER_RECORD, IN_FLIGHT,
				ROWS_PER_MARK, MARK_MILLIS, PURGE_MILLIS, HEAP_AFTER_GC, LOAD);
	}

	@Override
	public void run(CaseRunner cases) {
		this.runner.warmUpOnce();
		Map<String, Object> producer = this.options.producerOverrides();
		long rows = this.options.scalingRows();
		for (int concurrency : this.options.sendConcurrency()) {
			drain(cases, "send-concurrency " + concurrency, rows,
					Limits.builder().sendConcurrency(concurrency).build(), producer);
		}
		// With one shard, records in flight are easiest to read against send-buffer.
		for (int buffer : this.options.sendBuffer()) {
			drain(cases, "send-concurrency 1, send-buffer " + buffer, rows,
					Limits.builder().sendConcurrency(1).sendBuffer(buffer).build(), producer);
		}
		for (int records : this.options.markQueryRecords()) {
			drain(cases, "mark-query-records " + records, rows, Limits.builder()
				.markQueryRecords(records)
				.maxQueuedRecords(Math.max(Limits.DEFAULT_MAX_QUEUED_RECORDS, records))
				.build(), producer);
		}
		for (long backlog : this.options.backlogs()) {
			drain(cases, String.format(java.util.Locale.ROOT, "backlog %,d", backlog), backlog, Limits.defaults(),
					producer);
		}
	}

	private void drain(CaseRunner cases, String name, long rows, Limits limits, Map<String, Object> producer) {
		DrainCase drain = new DrainCase(name, rows, KEYS, VALUE_BYTES, PARTITIONS, limits, producer);
		List<Target> targets = name.startsWith("backlog") ? List.of(Target.atLeast(LAST_VS_FIRST.key(), 80,
				"no slowdown over the backlog: last tenth >= 80% of first")) : List.of();
		cases.run(name, drain.parameters(), DrainMetrics.ALL, targets, (run) -> this.runner.run(drain));
	}

}
