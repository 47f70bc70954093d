package dev.harvest.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's load average, recorded with every run because the machine may be shared.
 */
final class LoadAverage {

	private LoadAverage() {
	}

	/**
	 * Returns the one-minute load average.
	 * @return the load, or NaN when unknown
	 */
	static double oneMinute() {
		double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
		return (load >= 0) ? load : Double.NaN;
	}

	/**
	 * Returns the 1, 5 and 15 minute load averages as the system prints them.
	 * @return the load averages
	 */
	static String all() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + " " + fields[1] + " " + fields[2];
		}
		catch (IOException | RuntimeException ex) {
			return String.format(java.util.Locale.ROOT, "%.2f", oneMinute());
		}
	}

}
