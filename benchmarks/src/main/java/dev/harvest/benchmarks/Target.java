package dev.harvest.benchmarks;

import java.util.Locale;

/**
 * A performance target a case is checked against, on the median of its runs.
 *
 * @param metric the metric key
 * @param atLeast {@code true} when the median must be at least the threshold, {@code false}
 * when it must be at most the threshold
 * @param threshold the threshold
 * @param description the target in words
 */
record Target(String metric, boolean atLeast, double threshold, String description) {

	static Target atLeast(String metric, double threshold, String description) {
		return new Target(metric, true, threshold, description);
	}

	static Target atMost(String metric, double threshold, String description) {
		return new Target(metric, false, threshold, description);
	}

	/**
	 * Checks a summary against this target.
	 * @param summary the metric's summary
	 * @return whether the median meets the target; {@code false} when nothing was measured
	 */
	boolean isMet(Summary summary) {
		if (summary.count() == 0) {
			return false;
		}
		return this.atLeast ? summary.median() >= this.threshold : summary.median() <= this.threshold;
	}

	String describe(Summary summary) {
		return String.format(Locale.ROOT, "%s: %s (median %s)", this.description, isMet(summary) ? "met" : "MISSED",
				Format.number(summary.median(), 2));
	}

}
