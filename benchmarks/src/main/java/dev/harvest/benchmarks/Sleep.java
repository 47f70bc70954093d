package dev.harvest.benchmarks;

/**
 * Pauses that turn an interrupt into an exception, so that a stopped benchmark stops waiting.
 */
final class Sleep {

	private Sleep() {
	}

	static void millis(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	static void untilNanos(long deadlineNanos) {
		long remaining;
		while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
			millis(Math.max(1, Math.min(remaining / 1_000_000, 100)));
		}
	}

}
