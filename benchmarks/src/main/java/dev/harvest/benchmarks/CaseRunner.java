package dev.harvest.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the cases of a scenario, each the configured number of times, and collects what they
 * measured. A failed run is noted in its case and the suite carries on.
 */
final class CaseRunner {

	private final Scenario scenario;

	private final int runs;

	private final List<CaseResult> results = new ArrayList<>();

	CaseRunner(Scenario scenario, int runs) {
		this.scenario = scenario;
		this.runs = runs;
	}

	/**
	 * Runs a case.
	 * @param name the case name
	 * @param parameters the case's parameters, for the report
	 * @param metrics the metrics the case measures
	 * @param targets the targets it is held to
	 * @param run measures one run
	 * @return the collected result
	 */
	CaseResult run(String name, Map<String, Object> parameters, List<Metric> metrics, List<Target> targets,
			Run run) {
		CaseResult result = new CaseResult(this.scenario.name(), name, parameters, metrics, targets);
		this.results.add(result);
		System.out.println("  " + this.scenario.name() + " / " + name + " " + parameters);
		for (int i = 1; i <= this.runs; i++) {
			long start = System.nanoTime();
			System.out.printf(Locale.ROOT, "   run %d of %d (load average %s)%n", i, this.runs, LoadAverage.all());
			try {
				result.add(run.measure(i));
			}
			catch (Exception ex) {
				String note = "run " + i + " failed: " + ex;
				System.out.println("    " + note);
				ex.printStackTrace(System.out);
				result.note(note);
			}
			System.out.printf(Locale.ROOT, "    (%s)%n", Duration.ofNanos(System.nanoTime() - start).withNanos(0));
		}
		return result;
	}

	List<CaseResult> results() {
		return this.results;
	}

	/**
	 * Measures one run of a case.
	 */
	@FunctionalInterface
	interface Run {

		RunResult measure(int run) throws Exception;

	}

}
