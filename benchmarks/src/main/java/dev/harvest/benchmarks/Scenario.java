package dev.harvest.benchmarks;

import java.util.List;

/**
 * One scenario of the suite: a set of cases, each run several times.
 */
interface Scenario {

	/**
	 * Returns the scenario's name, as used by {@code --scenarios}.
	 * @return the name
	 */
	String name();

	/**
	 * Returns what the scenario measures and how, in a sentence or two for the report.
	 * @return the description
	 */
	String description();

	/**
	 * Returns the metrics shown as table columns; every metric goes to CSV and JSON.
	 * @return the columns
	 */
	List<Metric> columns();

	/**
	 * Runs every case of the scenario.
	 * @param runner runs each case the configured number of times and collects the results
	 * @throws Exception when the scenario cannot run at all
	 */
	void run(CaseRunner runner) throws Exception;

}
