package dev.harvest.benchmarks;

import java.util.List;

/**
 * Median and spread of one metric over the runs of a case; runs that could not measure it
 * (NaN) are left out.
 *
 * @param median the median
 * @param min the smallest value
 * @param max the largest value
 * @param count runs with a value
 */
record Summary(double median, double min, double max, int count) {

	static Summary of(List<Double> values) {
		double[] sorted = values.stream()
			.mapToDouble(Double::doubleValue)
			.filter((value) -> !Double.isNaN(value))
			.sorted()
			.toArray();
		if (sorted.length == 0) {
			return new Summary(Double.NaN, Double.NaN, Double.NaN, 0);
		}
		int middle = sorted.length / 2;
		double median = ((sorted.length % 2) == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
		return new Summary(median, sorted[0], sorted[sorted.length - 1], sorted.length);
	}

	/**
	 * Returns the spread as a share of the median.
	 * @return (max - min) / median, NaN when undefined
	 */
	double relativeSpread() {
		return (this.count > 1 && this.median != 0) ? (this.max - this.min) / Math.abs(this.median) : Double.NaN;
	}

}
