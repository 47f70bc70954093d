package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RetryBackoff}.
 */
class RetryBackoffTests {

	private static final Duration INITIAL = Duration.ofSeconds(1);

	private static final Duration MAX = Duration.ofSeconds(60);

	@Test
	void firstWaitLiesBetweenTheInitialBackoffAndTwiceIt() {
		assertThat(new RetryBackoff(INITIAL, MAX, () -> 0.0).delay(1)).isEqualTo(Duration.ofSeconds(1));
		assertThat(new RetryBackoff(INITIAL, MAX, () -> 0.5).delay(1)).isEqualTo(Duration.ofMillis(1500));
		assertThat(new RetryBackoff(INITIAL, MAX, () -> Math.nextDown(1.0)).delay(1))
			.isLessThan(Duration.ofSeconds(2))
			.isGreaterThan(Duration.ofMillis(1999));
	}

	@Test
	void ceilingDoublesPerFailureUpToTheMaximum() {
		RetryBackoff lowest = new RetryBackoff(INITIAL, MAX, () -> 0.0);
		assertThat(lowest.delay(1)).isEqualTo(Duration.ofSeconds(1));
		assertThat(lowest.delay(2)).isEqualTo(Duration.ofSeconds(2));
		assertThat(lowest.delay(3)).isEqualTo(Duration.ofSeconds(4));
		assertThat(lowest.delay(5)).isEqualTo(Duration.ofSeconds(16));
		assertThat(lowest.delay(6)).as("ceiling 60 s, not 64 s").isEqualTo(Duration.ofSeconds(30));
		assertThat(lowest.delay(1000)).isEqualTo(Duration.ofSeconds(30));
	}

	@Test
	void everyWaitLiesInTheUpperHalfOfItsCeiling() {
		Random random = new Random(42);
		RetryBackoff backoff = new RetryBackoff(INITIAL, MAX, random::nextDouble);
		for (int failures = 1; failures <= 12; failures++) {
			long ceiling = Math.min(INITIAL.toMillis() << failures, MAX.toMillis());
			for (int sample = 0; sample < 200; sample++) {
				Duration delay = backoff.delay(failures);
				assertThat(delay.toMillis()).isBetween(ceiling / 2, ceiling - 1);
			}
		}
	}

	@Test
	void jitterSpreadsWaitsAcrossTheUpperHalf() {
		Random random = new Random(7);
		RetryBackoff backoff = new RetryBackoff(INITIAL, MAX, random::nextDouble);
		long below = 0;
		for (int sample = 0; sample < 1000; sample++) {
			if (backoff.delay(1).compareTo(Duration.ofMillis(1500)) < 0) {
				below++;
			}
		}
		assertThat(below).isBetween(400L, 600L);
	}

	@Test
	void ceilingIsTheMaximumWhenTheMaximumIsBelowTwiceTheInitialBackoff() {
		RetryBackoff backoff = new RetryBackoff(INITIAL, Duration.ofMillis(1200), () -> 0.0);
		assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(600));
		assertThat(backoff.delay(7)).isEqualTo(Duration.ofMillis(600));
	}

}
