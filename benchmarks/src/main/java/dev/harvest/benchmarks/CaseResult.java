package dev.harvest.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * All runs of one case of a scenario: its parameters, the metrics it measures, the runs and
 * the targets it is held to.
 */
final class CaseResult {

	private final String scenario;

	private final String name;

	private final Map<String, Object> parameters;

	private final List<Metric> metrics;

	private final List<Target> targets;

	private final List<RunResult> runs = new ArrayList<>();

	private final List<String> notes = new ArrayList<>();

	CaseResult(String scenario, String name, Map<String, Object> parameters, List<Metric> metrics,
			List<Target> targets) {
		this.scenario = scenario;
		this.name = name;
		this.parameters = new LinkedHashMap<>(parameters);
		this.metrics = List.copyOf(metrics);
		this.targets = List.copyOf(targets);
	}

	void add(RunResult run) {
		this.runs.add(run);
	}

	void note(String note) {
		this.notes.add(note);
	}

	String scenario() {
		return this.scenario;
	}

	String name() {
		return this.name;
	}

	Map<String, Object> parameters() {
		return this.parameters;
	}

	List<Metric> metrics() {
		return this.metrics;
	}

	List<Target> targets() {
		return this.targets;
	}

	List<RunResult> runs() {
		return this.runs;
	}

	List<String> notes() {
		return this.notes;
	}

	/**
	 * Summarizes one metric over the runs.
	 * @param key the metric key
	 * @return median and spread
	 */
	Summary summary(String key) {
		List<Double> values = new ArrayList<>();
		for (RunResult run : this.runs) {
			values.add(run.values().getOrDefault(key, Double.NaN));
		}
		return Summary.of(values);
	}

}
