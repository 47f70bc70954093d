package dev.harvest.outbox.harvest;

import java.time.Duration;

/**
 * How a record whose send failed is retried: capped exponential backoff with equal jitter,
 * unlimited attempts for retriable errors by default, and a few attempts before a poison
 * record is dealt with by the {@link PoisonPolicy}.
 *
 * @param initialBackoff pause before the first retry (the first pause lies between this and
 * twice this)
 * @param maxBackoff longest pause between retries
 * @param maxAttemptsRetriable attempts for retriable errors before the record counts as
 * poison; 0 means unlimited
 * @param poisonMaxAttempts attempts for non-retriable errors before the poison policy applies
 * @param poisonPolicy what happens to a poison record and its key
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, int maxAttemptsRetriable,
		int poisonMaxAttempts, PoisonPolicy poisonPolicy) {

	/** Default {@code initialBackoff}. */
	public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);

	/** Default {@code maxBackoff}. */
	public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);

	/** Default {@code poisonMaxAttempts}. */
	public static final int DEFAULT_POISON_MAX_ATTEMPTS = 3;

	public RetryPolicy {
		if (initialBackoff == null || initialBackoff.isNegative() || initialBackoff.isZero()) {
			throw new InvalidLimitException("retry.initialBackoff", initialBackoff, "must be positive");
		}
		if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
			throw new InvalidLimitException("retry.maxBackoff", maxBackoff,
					"must not be less than retry.initialBackoff (" + initialBackoff + ")");
		}
		if (maxAttemptsRetriable < 0) {
			throw new InvalidLimitException("retry.maxAttemptsRetriable", maxAttemptsRetriable,
					"must be 0 (unlimited) or more");
		}
		if (poisonMaxAttempts < 1) {
			throw new InvalidLimitException("poison.maxAttempts", poisonMaxAttempts, "must be at least 1");
		}
		if (poisonPolicy == null) {
			throw new InvalidLimitException("poison.policy", null, "must be set");
		}
	}

	/**
	 * Returns the defaults: 1 s initial backoff, 60 s cap, unlimited retriable attempts, 3
	 * poison attempts, {@link PoisonPolicy#HOLD_KEY}.
	 * @return the defaults
	 */
	public static RetryPolicy defaults() {
		return new RetryPolicy(DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, 0, DEFAULT_POISON_MAX_ATTEMPTS,
				PoisonPolicy.HOLD_KEY);
	}

}
