package dev.harvest.benchmarks;

import java.util.ArrayList;
import java.util.List;

/**
 * Values of a run over time, for the charts: one row per sample, the first column being the
 * seconds since the run started.
 */
final class Timeline {

	private final List<String> series;

	private final List<double[]> rows = new ArrayList<>();

	Timeline(String... series) {
		this.series = List.of(series);
	}

	static Timeline empty() {
		return new Timeline();
	}

	void add(double seconds, double... values) {
		if (values.length != this.series.size()) {
			throw new IllegalArgumentException("Expected " + this.series.size() + " values, got " + values.length);
		}
		double[] row = new double[values.length + 1];
		row[0] = seconds;
		System.arraycopy(values, 0, row, 1, values.length);
		synchronized (this.rows) {
			this.rows.add(row);
		}
	}

	List<String> series() {
		return this.series;
	}

	List<double[]> rows() {
		synchronized (this.rows) {
			return List.copyOf(this.rows);
		}
	}

	boolean isEmpty() {
		return this.series.isEmpty() || rows().isEmpty();
	}

}
