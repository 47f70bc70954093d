package dev.harvest.outbox.neli;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A wall clock and a monotonic clock that move together, only when told to.
 */
final class FakeTime extends Clock {

	private static final long EPOCH_MILLIS = 1_700_000_000_000L;

	private volatile long nanos = 5_000_000_000L;

	void advance(Duration duration) {
		this.nanos += duration.toNanos();
	}

	long nanoTime() {
		return this.nanos;
	}

	@Override
	public long millis() {
		return EPOCH_MILLIS + this.nanos / 1_000_000;
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(millis());
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException();
	}

}
