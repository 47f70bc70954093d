package dev.harvest.benchmarks;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How often, and for how long, the harvester's statements ran, by kind: the time from
 * executing a statement to the end of its commit, as the harvester's thread waits for it.
 */
final class StatementTimings {

	/**
	 * The kinds of statement the harvester runs.
	 */
	enum Kind {

		/** The mark statement claiming rows above the marker's cursor. */
		MARK,

		/** The mark statement looking below the cursor for rows that committed late. */
		RESCAN,

		/** The batched delete of acknowledged rows. */
		PURGE,

		/** Everything else: epochs, notifications, schema checks. */
		OTHER;

		static Kind of(String sql) {
			String start = sql.stripLeading().toUpperCase(Locale.ROOT);
			if (start.startsWith("WITH LEADER")) {
				return MARK;
			}
			if (start.startsWith("DELETE")) {
				return PURGE;
			}
			return OTHER;
		}

	}

	private final AtomicLongArray counts = new AtomicLongArray(Kind.values().length);

	private final AtomicLongArray nanos = new AtomicLongArray(Kind.values().length);

	void record(Kind kind, long elapsedNanos) {
		this.counts.incrementAndGet(kind.ordinal());
		this.nanos.addAndGet(kind.ordinal(), elapsedNanos);
	}

	void addToLast(Kind kind, long elapsedNanos) {
		this.nanos.addAndGet(kind.ordinal(), elapsedNanos);
	}

	/**
	 * Returns the totals so far.
	 * @return count and seconds by kind
	 */
	Map<Kind, Total> totals() {
		Map<Kind, Total> totals = new EnumMap<>(Kind.class);
		for (Kind kind : Kind.values()) {
			totals.put(kind, new Total(this.counts.get(kind.ordinal()), this.nanos.get(kind.ordinal()) / 1e9));
		}
		return totals;
	}

	/**
	 * Statements of one kind.
	 *
	 * @param count statements executed
	 * @param seconds time spent in them and their commits
	 */
	record Total(long count, double seconds) {

		double averageMillis() {
			return (this.count > 0) ? this.seconds * 1000 / this.count : Double.NaN;
		}

	}

}
