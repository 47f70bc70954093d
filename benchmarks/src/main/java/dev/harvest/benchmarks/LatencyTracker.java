package dev.harvest.benchmarks;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pairs the commit of each record with its arrival (a Kafka acknowledgement or a consumer
 * receiving it), whichever is reported first, and keeps the latencies. Both times come from
 * {@link System#nanoTime()} in this JVM. An arrival may be reported before the writer thread
 * gets to report its commit; such a latency counts as zero.
 */
final class LatencyTracker {

	private static final long COMMIT = 0;

	private static final long ARRIVAL = 1;

	private final ConcurrentHashMap<Long, long[]> pending = new ConcurrentHashMap<>();

	private final Set<Long> paired = ConcurrentHashMap.newKeySet();

	private final AtomicLong duplicates = new AtomicLong();

	private final AtomicLong arrivedBeforeCommit = new AtomicLong();

	private final Object lock = new Object();

	private long[] commits = new long[1 << 16];

	private long[] latencies = new long[1 << 16];

	private int size;

	void committed(long id, long nanos) {
		this.pending.compute(id, (key, waiting) -> {
			if (waiting == null) {
				return new long[] { COMMIT, nanos };
			}
			pair(nanos, waiting[1]);
			return null;
		});
	}

	void arrived(long id, long nanos) {
		if (this.paired.contains(id)) {
			this.duplicates.incrementAndGet();
			return;
		}
		this.pending.compute(id, (key, waiting) -> {
			if (waiting == null) {
				return new long[] { ARRIVAL, nanos };
			}
			if (waiting[0] == ARRIVAL) {
				this.duplicates.incrementAndGet();
				return waiting;
			}
			pair(waiting[1], nanos);
			return null;
		});
	}

	private void pair(long commitNanos, long arrivalNanos) {
		long latency = arrivalNanos - commitNanos;
		if (latency < 0) {
			this.arrivedBeforeCommit.incrementAndGet();
			latency = 0;
		}
		synchronized (this.lock) {
			if (this.size == this.commits.length) {
				this.commits = Arrays.copyOf(this.commits, this.size * 2);
				this.latencies = Arrays.copyOf(this.latencies, this.size * 2);
			}
			this.commits[this.size] = commitNanos;
			this.latencies[this.size] = latency;
			this.size++;
		}
	}

	/**
	 * Counts records committed but not arrived yet.
	 * @param fromNanos only records committed at or after this time
	 * @param toNanos only records committed before this time
	 * @return the count
	 */
	long waiting(long fromNanos, long toNanos) {
		return this.pending.values()
			.stream()
			.filter((waiting) -> waiting[0] == COMMIT && waiting[1] - fromNanos >= 0 && waiting[1] - toNanos < 0)
			.count();
	}

	/**
	 * Returns the sorted latencies of records committed within a window.
	 * @param fromNanos the window's start
	 * @param toNanos the window's end
	 * @return latencies in nanoseconds, sorted
	 */
	long[] latencies(long fromNanos, long toNanos) {
		synchronized (this.lock) {
			long[] selected = new long[this.size];
			int count = 0;
			for (int i = 0; i < this.size; i++) {
				if (this.commits[i] - fromNanos >= 0 && this.commits[i] - toNanos < 0) {
					selected[count++] = this.latencies[i];
				}
			}
			long[] sorted = Arrays.copyOf(selected, count);
			Arrays.sort(sorted);
			return sorted;
		}
	}

	long duplicates() {
		return this.duplicates.get();
	}

	long arrivedBeforeCommit() {
		return this.arrivedBeforeCommit.get();
	}

	/**
	 * Returns a quantile of sorted latencies in milliseconds.
	 * @param sorted the latencies, sorted
	 * @param quantile between 0 and 1; 1 is the maximum
	 * @return milliseconds, NaN when there are none
	 */
	static double quantileMillis(long[] sorted, double quantile) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1));
		return sorted[index] / 1e6;
	}

}
