package dev.harvest.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * A small line chart as inline SVG: one line per run of one series over time, with labelled
 * axes. No scripts and no external resources, so the report opens anywhere.
 */
final class SvgChart {

	private static final String[] COLOURS = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b" };

	private static final int WIDTH = 640;

	private static final int HEIGHT = 220;

	private static final int LEFT = 70;

	private static final int RIGHT = 20;

	private static final int TOP = 24;

	private static final int BOTTOM = 36;

	private SvgChart() {
	}

	/**
	 * Draws one series of several runs.
	 * @param title the chart title
	 * @param runs per run, the points as {seconds, value}
	 * @return the SVG element
	 */
	static String lines(String title, List<List<double[]>> runs) {
		double maxX = 0;
		double maxY = 0;
		for (List<double[]> points : runs) {
			for (double[] point : points) {
				if (!Double.isNaN(point[1]) && !Double.isInfinite(point[1])) {
					maxX = Math.max(maxX, point[0]);
					maxY = Math.max(maxY, point[1]);
				}
			}
		}
		maxX = niceCeiling(maxX);
		maxY = niceCeiling(maxY);
		StringBuilder svg = new StringBuilder();
		svg.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n",
				WIDTH, HEIGHT));
		svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"14\" font-size=\"13\">%s</text>%n", LEFT,
				Html.escape(title)));
		int plotWidth = WIDTH - LEFT - RIGHT;
		int plotHeight = HEIGHT - TOP - BOTTOM;
		for (int i = 0; i <= 4; i++) {
			double y = TOP + plotHeight - plotHeight * i / 4.0;
			double x = LEFT + plotWidth * i / 4.0;
			svg.append(String.format(Locale.ROOT,
					"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, y, WIDTH - RIGHT, y));
			svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
					LEFT - 6, y + 4, Format.number(maxY * i / 4, (maxY < 10) ? 1 : 0)));
			svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x,
					HEIGHT - BOTTOM + 16, Format.number(maxX * i / 4, (maxX < 10) ? 1 : 0)));
		}
		svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds</text>%n",
				LEFT + plotWidth / 2, HEIGHT - 4));
		for (int run = 0; run < runs.size(); run++) {
			StringBuilder points = new StringBuilder();
			for (double[] point : runs.get(run)) {
				if (Double.isNaN(point[1]) || Double.isInfinite(point[1])) {
					continue;
				}
				double x = LEFT + ((maxX > 0) ? plotWidth * point[0] / maxX : 0);
				double y = TOP + plotHeight - ((maxY > 0) ? plotHeight * point[1] / maxY : 0);
				points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
			}
			String colour = COLOURS[run % COLOURS.length];
			svg.append(String.format(Locale.ROOT,
					"<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n", colour, points));
			svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">run %d</text>%n",
					WIDTH - RIGHT - 50 * (runs.size() - run), 14, colour, run + 1));
		}
		svg.append("</svg>\n");
		return svg.toString();
	}

	private static double niceCeiling(double value) {
		if (value <= 0 || Double.isNaN(value)) {
			return 1;
		}
		double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
		for (double step : new double[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 }) {
			if (step * magnitude >= value) {
				return step * magnitude;
			}
		}
		return 10 * magnitude;
	}

}
