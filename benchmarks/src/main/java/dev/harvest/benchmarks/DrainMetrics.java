package dev.harvest.benchmarks;

import java.util.List;

/**
 * The metrics of a drain: throughput and its trend, CPU and database time per record, heap.
 */
final class DrainMetrics {

	static final Metric RATE = new Metric("rate", "records/s", "records/s", 0);

	static final Metric FIRST_TENTH = new Metric("first_tenth_rate", "first 10% rec/s", "records/s", 0);

	static final Metric LAST_TENTH = new Metric("last_tenth_rate", "last 10% rec/s", "records/s", 0);

	static final Metric LAST_VS_FIRST = new Metric("last_vs_first_pct", "last/first %", "%", 0);

	static final Metric DRAIN_SECONDS = new Metric("drain_seconds", "drain s", "s", 1);

	static final Metric LEADER_SECONDS = new Metric("leader_seconds", "to leader s", "s", 2);

	static final Metric CPU_SECONDS = new Metric("cpu_seconds", "JVM CPU s", "s", 1);

	static final Metric CPU_PER_RECORD = new Metric("cpu_us_per_record", "JVM CPU µs/rec", "µs/record", 1);

	static final Metric SERVER_CPU_PER_RECORD = new Metric("server_cpu_us_per_record", "PG+Kafka CPU µs/rec",
			"µs/record", 1);

	static final Metric MACHINE_BUSY = new Metric("machine_busy_pct", "machine busy %", "%", 0);

	static final Metric DB_PER_RECORD = new Metric("db_us_per_record", "DB µs/rec", "µs/record", 1);

	static final Metric MARKS = new Metric("marks", "marks", "statements", 0);

	static final Metric ROWS_PER_MARK = new Metric("rows_per_mark", "rows/mark", "rows", 1);

	static final Metric MARK_MILLIS = new Metric("mark_ms", "mark ms", "ms", 2);

	static final Metric RESCANS = new Metric("rescans", "rescans", "statements", 0);

	static final Metric RESCAN_MILLIS = new Metric("rescan_ms", "rescan ms", "ms", 2);

	static final Metric PURGES = new Metric("purges", "purges", "statements", 0);

	static final Metric PURGE_MILLIS = new Metric("purge_ms", "purge ms", "ms", 2);

	static final Metric IN_FLIGHT = new Metric("in_flight_mean", "in flight", "records (mean)", 0);

	static final Metric QUEUED = new Metric("queued_mean", "queued", "records (mean)", 0);

	static final Metric HEAP_PEAK = new Metric("heap_peak_mb", "heap peak MB", "MB", 0);

	static final Metric HEAP_AFTER_GC = new Metric("heap_after_gc_peak_mb", "heap after GC MB", "MB", 0);

	static final Metric GC_COUNT = new Metric("gc_count", "GCs", "collections", 0);

	static final Metric DUPLICATES = new Metric("duplicates", "dups", "records", 0);

	static final Metric LEFT_OVER = new Metric("rows_left", "rows left", "rows", 0);

	static final Metric LOAD = new Metric("load_average", "load", "1-min load average", 2);

	static final List<Metric> ALL = List.of(RATE, FIRST_TENTH, LAST_TENTH, LAST_VS_FIRST, DRAIN_SECONDS,
			LEADER_SECONDS, CPU_SECONDS, CPU_PER_RECORD, SERVER_CPU_PER_RECORD, MACHINE_BUSY, DB_PER_RECORD, MARKS,
			ROWS_PER_MARK, MARK_MILLIS, RESCANS, RESCAN_MILLIS, PURGES, PURGE_MILLIS, IN_FLIGHT, QUEUED, HEAP_PEAK,
			HEAP_AFTER_GC, GC_COUNT, DUPLICATES, LEFT_OVER, LOAD);

	private DrainMetrics() {
	}

}
