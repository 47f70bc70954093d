package dev.harvest.benchmarks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;

import dev.harvest.outbox.harvest.Limits;

import static dev.harvest.benchmarks.DrainMetrics.CPU_PER_RECORD;
import static dev.harvest.benchmarks.DrainMetrics.DB_PER_RECORD;
import static dev.harvest.benchmarks.DrainMetrics.DUPLICATES;
import static dev.harvest.benchmarks.DrainMetrics.FIRST_TENTH;
import static dev.harvest.benchmarks.DrainMetrics.HEAP_AFTER_GC;
import static dev.harvest.benchmarks.DrainMetrics.HEAP_PEAK;
import static dev.harvest.benchmarks.DrainMetrics.IN_FLIGHT;
import static dev.harvest.benchmarks.DrainMetrics.LAST_TENTH;
import static dev.harvest.benchmarks.DrainMetrics.LAST_VS_FIRST;
import static dev.harvest.benchmarks.DrainMetrics.LOAD;
import static dev.harvest.benchmarks.DrainMetrics.RATE;
import static dev.harvest.benchmarks.DrainMetrics.SERVER_CPU_PER_RECORD;

/**
 * Drains a pre-loaded backlog with one harvester and default limits: 100-byte values over
 * 10,000 keys, 1 KB values, and 100-byte values over 10 hot keys.
 */
final class DrainScenario implements Scenario {

	private static final int PARTITIONS = 8;

	private final DrainRunner runner;

	private final BenchmarkOptions options;

	DrainScenario(DrainRunner runner, BenchmarkOptions options) {
		this.runner = runner;
		this.options = options;
	}

	@Override
	public String name() {
		return "drain";
	}

	@Override
	public String description() {
		return "A backlog inserted with plain SQL (INSERT ... SELECT generate_series, then VACUUM ANALYZE) is"
				+ " drained by one harvester with default limits into a topic of " + PARTITIONS + " partitions."
				+ " The rate runs from leadership to an empty table; the first and last tenth are timed on"
				+ " Kafka acknowledgements. CPU is this JVM's (Harvest alone) and the PostgreSQL and Kafka"
				+ " process tree's; DB time is what the harvester's threads waited on mark and purge statements.";
	}

	@Override
	public List<Metric> columns() {
		return List.of(RATE, FIRST_TENTH, LAST_TENTH, LAST_VS_FIRST, CPU_PER_RECORD, SERVER_CPU_PER_RECORD,
				DB_PER_RECORD, IN_FLIGHT, HEAP_PEAK, HEAP_AFTER_GC, DUPLICATES, LOAD);
	}

	@Override
	public void run(CaseRunner cases) {
		this.runner.warmUpOnce();
		Map<String, Object> producer = this.options.producerOverrides();
		drain(cases, new DrainCase("100 B values, 10,000 keys", this.options.rows(), 10_000, 100, PARTITIONS,
				Limits.defaults(), producer), List.of(
						Target.atLeast(RATE.key(), 20_000, "drain >= 20,000 records/s (1M rows, 100 B values)"),
						Target.atLeast(LAST_VS_FIRST.key(), 80, "last tenth >= 80% of first tenth"),
						Target.atMost(HEAP_AFTER_GC.key(), 256, "heap < 256 MB with default limits")));
		drain(cases, new DrainCase("1 KB values, 10,000 keys", this.options.largeValueRows(), 10_000, 1024,
				PARTITIONS, Limits.defaults(), producer), List.of());
		drain(cases, new DrainCase("100 B values, 10 hot keys", this.options.hotKeyRows(), 10, 100, PARTITIONS,
				Limits.defaults(), producer), List.of());
		// A hot key has one record in flight at a time, so its rate is one over the time a send
		// takes, of which the producer's linger.ms is part.
		if (!producer.containsKey(ProducerConfig.LINGER_MS_CONFIG)) {
			Map<String, Object> noLinger = new LinkedHashMap<>(producer);
			noLinger.put(ProducerConfig.LINGER_MS_CONFIG, 0);
			drain(cases, new DrainCase("100 B values, 10 hot keys, linger.ms=0", this.options.hotKeyRows(), 10, 100,
					PARTITIONS, Limits.defaults(), noLinger), List.of());
		}
	}

	private void drain(CaseRunner cases, DrainCase drain, List<Target> targets) {
		cases.run(drain.name(), drain.parameters(), DrainMetrics.ALL, targets, (run) -> this.runner.run(drain));
	}

}
