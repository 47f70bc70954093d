package dev.harvest.benchmarks;

import java.util.Locale;

/**
 * Number formatting for the table: thousands separated, NaN as {@code n/a}.
 */
final class Format {

	private Format() {
	}

	static String number(double value, int decimals) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		if (Double.isInfinite(value)) {
			return (value > 0) ? "inf" : "-inf";
		}
		return String.format(Locale.ROOT, "%,." + decimals + "f", value);
	}

	/**
	 * Formats a median with its spread, such as {@code 21,500 (20,900–22,100)}; only the median
	 * when there was one run.
	 * @param summary the summary
	 * @param decimals decimals to print
	 * @return the text
	 */
	static String summary(Summary summary, int decimals) {
		if (summary.count() <= 1) {
			return number(summary.median(), decimals);
		}
		return number(summary.median(), decimals) + " (" + number(summary.min(), decimals) + "–"
				+ number(summary.max(), decimals) + ")";
	}

}
