package dev.harvest.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What to run and with which parameters, read from {@code --name=value} arguments. Every
 * parameter has a default, so running without arguments runs the whole suite.
 */
final class BenchmarkOptions {

	static final List<String> ALL_SCENARIOS = List.of("drain", "latency", "stash", "failover", "scaling");

	private static final Map<String, String> DESCRIPTIONS = descriptions();

	private final Map<String, String> values;

	private BenchmarkOptions(Map<String, String> values) {
		this.values = values;
	}

	static BenchmarkOptions parse(String[] args) {
		Map<String, String> values = new LinkedHashMap<>();
		for (String arg : args) {
			if (!arg.startsWith("--")) {
				throw new IllegalArgumentException("Unexpected argument '" + arg + "'; use --name=value\n" + usage());
			}
			int equals = arg.indexOf('=');
			String name = (equals > 0) ? arg.substring(2, equals) : arg.substring(2);
			String value = (equals > 0) ? arg.substring(equals + 1) : "true";
			if (!DESCRIPTIONS.containsKey(name) && !name.startsWith("producer.")) {
				throw new IllegalArgumentException("Unknown option --" + name + "\n" + usage());
			}
			values.put(name, value);
		}
		return new BenchmarkOptions(values);
	}

	static String usage() {
		StringBuilder usage = new StringBuilder("Options (all optional):\n");
		DESCRIPTIONS.forEach((name, description) -> usage.append(String.format(Locale.ROOT, "  --%-22s %s%n", name,
				description)));
		usage.append(String.format(Locale.ROOT, "  --%-22s %s%n", "producer.<name>=<value>",
				"a Kafka producer setting for the harvester (for example producer.linger.ms=0)"));
		usage.append("An empty sweep (for example --send-concurrency=) skips it.\n");
		return usage.toString();
	}

	private static Map<String, String> descriptions() {
		Map<String, String> descriptions = new LinkedHashMap<>();
		descriptions.put("help", "print this list and exit");
		descriptions.put("scenarios", "comma-separated subset of " + String.join(",", ALL_SCENARIOS) + " (default all)");
		descriptions.put("runs", "runs of every case; medians and spread are reported (default 3)");
		descriptions.put("rows", "drain backlog, 100-byte values over 10,000 keys (default 1000000)");
		descriptions.put("large-value-rows", "drain backlog with 1 KB values (default: --rows)");
		descriptions.put("hot-key-rows", "drain backlog over 10 hot keys (default 100000)");
		descriptions.put("latency-rates", "steady write rates in rows/s (default 1000,5000)");
		descriptions.put("latency-seconds", "measured seconds per latency run (default 20)");
		descriptions.put("latency-writers", "writer threads of the latency scenario (default 8)");
		descriptions.put("warmup-seconds", "writing before latencies count (default 5)");
		descriptions.put("stash-seconds", "measured seconds per stash overhead run (default 10)");
		descriptions.put("stash-threads", "writer thread counts of the stash overhead scenario (default 1,8)");
		descriptions.put("failover-rate", "steady write rate during failover in rows/s (default 200)");
		descriptions.put("sample-jar", "the packaged sample application (default sample-app/target/sample-app.jar)");
		descriptions.put("scaling-rows", "backlog of the send-concurrency and mark-query-records sweeps (default 200000)");
		descriptions.put("send-concurrency", "send-concurrency values to sweep (default 1,2,4,8,16)");
		descriptions.put("mark-query-records", "mark-query-records values to sweep (default 50,100,500,1000)");
		descriptions.put("send-buffer", "send-buffer values to sweep with send-concurrency 1 (default 10,100,1000)");
		descriptions.put("backlogs", "backlog sizes to sweep (default 100000,1000000; add 5000000 for the long run)");
		descriptions.put("output", "directory for CSV, JSON and HTML (default benchmarks/target/benchmark-results)");
		return descriptions;
	}

	boolean help() {
		return Boolean.parseBoolean(this.values.getOrDefault("help", "false"));
	}

	Set<String> scenarios() {
		String given = this.values.get("scenarios");
		if (given == null) {
			return new LinkedHashSet<>(ALL_SCENARIOS);
		}
		Set<String> scenarios = new LinkedHashSet<>();
		for (String name : given.split(",")) {
			String trimmed = name.trim().toLowerCase(Locale.ROOT);
			if (!ALL_SCENARIOS.contains(trimmed)) {
				throw new IllegalArgumentException("Unknown scenario '" + trimmed + "'; choose from " + ALL_SCENARIOS);
			}
			scenarios.add(trimmed);
		}
		return scenarios;
	}

	int runs() {
		return positiveInt("runs", 3);
	}

	long rows() {
		return positiveLong("rows", 1_000_000);
	}

	long largeValueRows() {
		return positiveLong("large-value-rows", rows());
	}

	long hotKeyRows() {
		return positiveLong("hot-key-rows", 100_000);
	}

	List<Integer> latencyRates() {
		return intList("latency-rates", "1000,5000");
	}

	int latencySeconds() {
		return positiveInt("latency-seconds", 20);
	}

	int latencyWriters() {
		return positiveInt("latency-writers", 8);
	}

	int warmupSeconds() {
		return positiveInt("warmup-seconds", 5);
	}

	int stashSeconds() {
		return positiveInt("stash-seconds", 10);
	}

	List<Integer> stashThreads() {
		return intList("stash-threads", "1,8");
	}

	int failoverRate() {
		return positiveInt("failover-rate", 200);
	}

	Path sampleJar() {
		return Path.of(this.values.getOrDefault("sample-jar", "sample-app/target/sample-app.jar"));
	}

	long scalingRows() {
		return positiveLong("scaling-rows", 200_000);
	}

	List<Integer> sendConcurrency() {
		return intList("send-concurrency", "1,2,4,8,16");
	}

	List<Integer> markQueryRecords() {
		return intList("mark-query-records", "50,100,500,1000");
	}

	List<Integer> sendBuffer() {
		return intList("send-buffer", "10,100,1000");
	}

	List<Long> backlogs() {
		List<Long> backlogs = new ArrayList<>();
		for (String value : this.values.getOrDefault("backlogs", "100000,1000000").split(",")) {
			if (!value.isBlank()) {
				backlogs.add(parsePositiveLong("backlogs", value.trim()));
			}
		}
		return backlogs;
	}

	Path output() {
		return Path.of(this.values.getOrDefault("output", "benchmarks/target/benchmark-results"));
	}

	/**
	 * Returns the {@code --producer.*} settings, applied to the producers of every harvester.
	 * @return Kafka producer settings by name
	 */
	Map<String, Object> producerOverrides() {
		Map<String, Object> overrides = new LinkedHashMap<>();
		this.values.forEach((name, value) -> {
			if (name.startsWith("producer.")) {
				overrides.put(name.substring("producer.".length()), value);
			}
		});
		return overrides;
	}

	/**
	 * Returns the arguments as given, for the report.
	 * @return the arguments by name
	 */
	Map<String, String> given() {
		return Map.copyOf(this.values);
	}

	private int positiveInt(String name, int fallback) {
		long value = positiveLong(name, fallback);
		if (value > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("--" + name + " is too large: " + value);
		}
		return (int) value;
	}

	private long positiveLong(String name, long fallback) {
		String value = this.values.get(name);
		return (value != null) ? parsePositiveLong(name, value) : fallback;
	}

	// An empty value is an empty list, which skips that sweep.
	private List<Integer> intList(String name, String fallback) {
		return Arrays.stream(this.values.getOrDefault(name, fallback).split(","))
			.map(String::trim)
			.filter((value) -> !value.isEmpty())
			.map((value) -> (int) parsePositiveLong(name, value))
			.toList();
	}

	private static long parsePositiveLong(String name, String value) {
		try {
			long parsed = Long.parseLong(value.replace("_", ""));
			if (parsed <= 0) {
				throw new IllegalArgumentException("--" + name + " must be positive, not " + value);
			}
			return parsed;
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("--" + name + " must be a whole number, not '" + value + "'", ex);
		}
	}

}
