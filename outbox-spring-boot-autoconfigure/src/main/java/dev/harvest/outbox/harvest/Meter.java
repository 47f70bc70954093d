package dev.harvest.outbox.harvest;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import dev.harvest.outbox.harvest.event.MeterStats;

/**
 * goharvest's throughput meter: a total count and rate since the meter started, and an
 * interval count and rate since the previous reading. Counting is lock-free; readings are
 * serialised.
 */
final class Meter {

	private final String name;

	private final Clock clock;

	private final AtomicLong total = new AtomicLong();

	private final ReentrantLock readLock = new ReentrantLock();

	private volatile Instant start;

	private Instant lastRead;

	private long totalAtLastRead;

	Meter(String name, Clock clock) {
		this.name = name;
		this.clock = clock;
		this.start = clock.instant();
		this.lastRead = this.start;
	}

	/**
	 * Restarts the meter: counts and rates start again from now.
	 */
	void restart() {
		this.readLock.lock();
		try {
			this.start = this.clock.instant();
			this.lastRead = this.start;
			this.total.set(0);
			this.totalAtLastRead = 0;
		}
		finally {
			this.readLock.unlock();
		}
	}

	void add(long count) {
		this.total.addAndGet(count);
	}

	/**
	 * Takes a reading and starts a new interval.
	 * @return the reading
	 */
	MeterStats read() {
		this.readLock.lock();
		try {
			Instant now = this.clock.instant();
			MeterStats stats = stats(now);
			this.lastRead = now;
			this.totalAtLastRead = stats.totalCount();
			return stats;
		}
		finally {
			this.readLock.unlock();
		}
	}

	/**
	 * Returns the current figures without starting a new interval.
	 * @return the figures
	 */
	MeterStats peek() {
		this.readLock.lock();
		try {
			return stats(this.clock.instant());
		}
		finally {
			this.readLock.unlock();
		}
	}

	/**
	 * Returns whether anything was counted since the last reading.
	 * @return {@code true} when the count moved
	 */
	boolean changedSinceRead() {
		this.readLock.lock();
		try {
			return this.total.get() != this.totalAtLastRead;
		}
		finally {
			this.readLock.unlock();
		}
	}

	/**
	 * Returns when the last reading was taken.
	 * @return the time of the last reading, or the start
	 */
	Instant lastRead() {
		this.readLock.lock();
		try {
			return this.lastRead;
		}
		finally {
			this.readLock.unlock();
		}
	}

	private MeterStats stats(Instant now) {
		long totalCount = this.total.get();
		long intervalCount = totalCount - this.totalAtLastRead;
		return new MeterStats(this.name, this.start, totalCount, rate(totalCount, this.start, now), intervalCount,
				rate(intervalCount, this.lastRead, now));
	}

	private static double rate(long count, Instant from, Instant to) {
		long millis = to.toEpochMilli() - from.toEpochMilli();
		return (millis > 0) ? count * 1000.0 / millis : 0.0;
	}

}
