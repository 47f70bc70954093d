package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

import org.springframework.util.Assert;

/**
 * Capped exponential backoff with equal jitter, as in later libbeat: the ceiling {@code d}
 * starts at twice the initial backoff and doubles per attempt up to the maximum, and each wait
 * is {@code d/2 + uniform[0, d/2)}. The first wait therefore lies in
 * {@code [initial, 2 × initial)} and no wait reaches the maximum.
 */
final class RetryBackoff {

	private static final int MAX_SHIFT = 40;

	private final long initialNanos;

	private final long maxNanos;

	private final DoubleSupplier random;

	/**
	 * Creates a backoff with a thread-safe uniform random source.
	 * @param initial the initial backoff
	 * @param max the longest backoff
	 */
	RetryBackoff(Duration initial, Duration max) {
		this(initial, max, () -> ThreadLocalRandom.current().nextDouble());
	}

	/**
	 * Creates a backoff with the given random source.
	 * @param initial the initial backoff
	 * @param max the longest backoff
	 * @param random values in {@code [0, 1)}
	 */
	RetryBackoff(Duration initial, Duration max, DoubleSupplier random) {
		Assert.isTrue(!initial.isNegative() && !initial.isZero(), "'initial' must be positive");
		Assert.isTrue(max.compareTo(initial) >= 0, "'max' must not be less than 'initial'");
		this.initialNanos = initial.toNanos();
		this.maxNanos = max.toNanos();
		this.random = random;
	}

	/**
	 * Returns the wait before the next attempt.
	 * @param failures how many attempts have failed so far, at least 1
	 * @return the wait
	 */
	Duration delay(int failures) {
		long ceiling = ceilingNanos(Math.max(failures, 1));
		long half = ceiling / 2;
		double jitter = Math.min(Math.max(this.random.getAsDouble(), 0.0), Math.nextDown(1.0));
		return Duration.ofNanos(half + (long) (jitter * (ceiling - half)));
	}

	private long ceilingNanos(int failures) {
		int shift = Math.min(failures, MAX_SHIFT);
		long ceiling = this.initialNanos << shift;
		if (ceiling <= 0 || (ceiling >> shift) != this.initialNanos) {
			return this.maxNanos;
		}
		return Math.min(ceiling, this.maxNanos);
	}

}
