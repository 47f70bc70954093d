package dev.harvest.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * CPU time used so far by this JVM, by the process tree serving PostgreSQL and Kafka, and by
 * the whole machine; two snapshots give the CPU a run used. The process tree and the machine
 * are read from {@code /proc}, so they are only known on Linux.
 *
 * @param wallNanos when the snapshot was taken ({@link System#nanoTime()})
 * @param processCpuNanos CPU time of this JVM
 * @param serverCpuNanos CPU time of the server process tree, or -1 when unknown
 * @param machineBusyTicks busy clock ticks of all CPUs of the machine, or -1 when unknown
 * @param machineTotalTicks all clock ticks of all CPUs of the machine, or -1 when unknown
 */
record CpuSnapshot(long wallNanos, long processCpuNanos, long serverCpuNanos, long machineBusyTicks,
		long machineTotalTicks) {

	/** Clock ticks per second of {@code /proc} times; 100 on every common Linux build. */
	private static final long TICKS_PER_SECOND = 100;

	/**
	 * Takes a snapshot.
	 * @param servers the process tree serving PostgreSQL and Kafka, or {@code null} when they
	 * run elsewhere
	 * @return the snapshot
	 */
	static CpuSnapshot take(@Nullable ProcessHandle servers) {
		long[] machine = machineTicks();
		return new CpuSnapshot(System.nanoTime(), readProcessCpuNanos(), treeCpuNanos(servers), machine[0], machine[1]);
	}

	/**
	 * Returns what was used between an earlier snapshot and this one.
	 * @param earlier the earlier snapshot
	 * @return the usage
	 */
	CpuUsage since(CpuSnapshot earlier) {
		double wall = (this.wallNanos - earlier.wallNanos) / 1e9;
		double process = (this.processCpuNanos - earlier.processCpuNanos) / 1e9;
		double servers = (this.serverCpuNanos < 0 || earlier.serverCpuNanos < 0) ? Double.NaN
				: (this.serverCpuNanos - earlier.serverCpuNanos) / 1e9;
		double machineBusy = (this.machineTotalTicks < 0 || earlier.machineTotalTicks < 0
				|| this.machineTotalTicks == earlier.machineTotalTicks) ? Double.NaN
						: (double) (this.machineBusyTicks - earlier.machineBusyTicks)
								/ (this.machineTotalTicks - earlier.machineTotalTicks);
		return new CpuUsage(wall, process, servers, machineBusy);
	}

	private static long readProcessCpuNanos() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
			return os.getProcessCpuTime();
		}
		return -1;
	}

	private static long treeCpuNanos(@Nullable ProcessHandle root) {
		if (root == null || !root.isAlive() || !Files.isReadable(Path.of("/proc/self/stat"))) {
			return -1;
		}
		long ticks = 0;
		try (Stream<ProcessHandle> descendants = root.descendants()) {
			for (ProcessHandle process : Stream.concat(Stream.of(root), descendants).toList()) {
				long processTicks = processTicks(process.pid());
				if (processTicks < 0) {
					return -1;
				}
				ticks += processTicks;
			}
		}
		return ticks * (1_000_000_000L / TICKS_PER_SECOND);
	}

	// utime + stime of the process and cutime + cstime of its exited children (PostgreSQL's
	// backends that have ended), fields 14 to 17 of /proc/<pid>/stat.
	private static long processTicks(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			// fields[0] is field 3 (state), so field n is fields[n - 3].
			return Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
					+ Long.parseLong(fields[14]);
		}
		catch (IOException | RuntimeException ex) {
			// The process ended between listing and reading, or this is not Linux.
			return Files.isDirectory(Path.of("/proc", Long.toString(pid))) ? -1 : 0;
		}
	}

	private static long[] machineTicks() {
		try {
			List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
			String[] fields = lines.get(0).trim().split("\\s+");
			long total = 0;
			// user nice system idle iowait irq softirq steal; guest time is already in user.
			for (int i = 1; i <= 8 && i < fields.length; i++) {
				total += Long.parseLong(fields[i]);
			}
			long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
			return new long[] { total - idle, total };
		}
		catch (IOException | RuntimeException ex) {
			return new long[] { -1, -1 };
		}
	}

}
