package dev.harvest.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one run of a case measured, and how its values moved over time.
 *
 * @param values measured values by metric key
 * @param timeline values over time
 */
record RunResult(Map<String, Double> values, Timeline timeline) {

	RunResult {
		values = new LinkedHashMap<>(values);
	}

}
