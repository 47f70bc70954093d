package dev.harvest.outbox.backlog;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.InvalidLimitException;

/**
 * How the backlog is sampled, judged and reported. Every value is validated, and a bad one is
 * reported by its name through {@link InvalidLimitException}.
 *
 * @param sampleInterval time between two samples
 * @param window the number of samples kept per scope; with the sample interval it sets the
 * span that the rules look back over
 * @param countCap the most rows a count scans: a backlog above it is reported as the cap
 * @param topK the most topics sampled and judged one by one, largest backlogs first; 0 turns
 * per-topic sampling off
 * @param minimumComplete the share of the window that must be filled before a scope with a
 * backlog is judged at all, so that a freshly started instance raises no false alarm
 * @param allowedBacklog a backlog of at most this many rows is always OK
 * @param ageWarn an oldest row at least this old makes the status at least WARN, or
 * {@code null} for no such check
 * @param ageError an oldest row at least this old makes the status at least STALL, or
 * {@code null} for no such check
 * @param renotifyInterval while the status is not OK, the status event is repeated this often
 */
public record BacklogSettings(Duration sampleInterval, int window, int countCap, int topK, double minimumComplete,
		long allowedBacklog, @Nullable Duration ageWarn, @Nullable Duration ageError, Duration renotifyInterval) {

	/** Default {@code sampleInterval}. */
	public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofSeconds(10);

	/** Default {@code window}: 12 samples, two minutes at the default interval. */
	public static final int DEFAULT_WINDOW = 12;

	/**
	 * Default {@code countCap}. Counting scans up to this many rows, and the per-topic scan
	 * reads as many in primary key order when the backlog is larger: about 25 and 50 ms on a
	 * large outbox, against 250 and 600 ms with a cap of a million.
	 */
	public static final int DEFAULT_COUNT_CAP = 100_000;

	/** Default {@code topK}. */
	public static final int DEFAULT_TOP_K = 50;

	/** Default {@code minimumComplete}. */
	public static final double DEFAULT_MINIMUM_COMPLETE = 0.5;

	/** Default {@code allowedBacklog}. */
	public static final long DEFAULT_ALLOWED_BACKLOG = 0;

	/** Default {@code renotifyInterval}. */
	public static final Duration DEFAULT_RENOTIFY_INTERVAL = Duration.ofMinutes(5);

	public BacklogSettings {
		requirePositive("sampleInterval", sampleInterval);
		if (window < 2) {
			throw new InvalidLimitException("window", window, "must be at least 2, as trends need two samples");
		}
		if (countCap < 1) {
			throw new InvalidLimitException("countCap", countCap, "must be at least 1");
		}
		if (topK < 0) {
			throw new InvalidLimitException("topK", topK, "must not be negative (0 turns per-topic sampling off)");
		}
		if (!(minimumComplete >= 0 && minimumComplete <= 1)) {
			throw new InvalidLimitException("minimumComplete", minimumComplete, "must be between 0 and 1");
		}
		if (allowedBacklog < 0) {
			throw new InvalidLimitException("allowedBacklog", allowedBacklog, "must not be negative");
		}
		if (allowedBacklog >= countCap) {
			throw new InvalidLimitException("allowedBacklog", allowedBacklog,
					"must be less than countCap (" + countCap + "), or no backlog could ever exceed it");
		}
		if (ageWarn != null) {
			requirePositive("ageWarn", ageWarn);
		}
		if (ageError != null) {
			requirePositive("ageError", ageError);
			if (ageWarn != null && ageError.compareTo(ageWarn) <= 0) {
				throw new InvalidLimitException("ageError", ageError,
						"must be greater than ageWarn (" + ageWarn + ")");
			}
		}
		requirePositive("renotifyInterval", renotifyInterval);
	}

	/**
	 * Returns the default settings: a sample every 10 seconds, a window of 12, a count cap of
	 * 100,000, the 50 largest topics, half a window before judging, no backlog allowed, no
	 * age checks and a reminder every 5 minutes.
	 * @return the defaults
	 */
	public static BacklogSettings defaults() {
		return new BacklogSettings(DEFAULT_SAMPLE_INTERVAL, DEFAULT_WINDOW, DEFAULT_COUNT_CAP, DEFAULT_TOP_K,
				DEFAULT_MINIMUM_COMPLETE, DEFAULT_ALLOWED_BACKLOG, null, null, DEFAULT_RENOTIFY_INTERVAL);
	}

	/**
	 * Returns the time a full window covers, from its first sample to its last.
	 * @return the sample interval times one less than the window
	 */
	public Duration windowSpan() {
		return this.sampleInterval.multipliedBy(this.window - 1L);
	}

	/**
	 * Returns a copy with another sample interval.
	 * @param sampleInterval the new value
	 * @return the copy
	 */
	public BacklogSettings withSampleInterval(Duration sampleInterval) {
		return new BacklogSettings(sampleInterval, this.window, this.countCap, this.topK, this.minimumComplete,
				this.allowedBacklog, this.ageWarn, this.ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another window size.
	 * @param window the new value
	 * @return the copy
	 */
	public BacklogSettings withWindow(int window) {
		return new BacklogSettings(this.sampleInterval, window, this.countCap, this.topK, this.minimumComplete,
				this.allowedBacklog, this.ageWarn, this.ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another count cap.
	 * @param countCap the new value
	 * @return the copy
	 */
	public BacklogSettings withCountCap(int countCap) {
		return new BacklogSettings(this.sampleInterval, this.window, countCap, this.topK, this.minimumComplete,
				this.allowedBacklog, this.ageWarn, this.ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another number of topics judged one by one.
	 * @param topK the new value
	 * @return the copy
	 */
	public BacklogSettings withTopK(int topK) {
		return new BacklogSettings(this.sampleInterval, this.window, this.countCap, topK, this.minimumComplete,
				this.allowedBacklog, this.ageWarn, this.ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another minimum share of a filled window.
	 * @param minimumComplete the new value
	 * @return the copy
	 */
	public BacklogSettings withMinimumComplete(double minimumComplete) {
		return new BacklogSettings(this.sampleInterval, this.window, this.countCap, this.topK, minimumComplete,
				this.allowedBacklog, this.ageWarn, this.ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another allowed backlog.
	 * @param allowedBacklog the new value
	 * @return the copy
	 */
	public BacklogSettings withAllowedBacklog(long allowedBacklog) {
		return new BacklogSettings(this.sampleInterval, this.window, this.countCap, this.topK, this.minimumComplete,
				allowedBacklog, this.ageWarn, this.ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another warning age.
	 * @param ageWarn the new value
	 * @return the copy
	 */
	public BacklogSettings withAgeWarn(@Nullable Duration ageWarn) {
		return new BacklogSettings(this.sampleInterval, this.window, this.countCap, this.topK, this.minimumComplete,
				this.allowedBacklog, ageWarn, this.ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another error age.
	 * @param ageError the new value
	 * @return the copy
	 */
	public BacklogSettings withAgeError(@Nullable Duration ageError) {
		return new BacklogSettings(this.sampleInterval, this.window, this.countCap, this.topK, this.minimumComplete,
				this.allowedBacklog, this.ageWarn, ageError, this.renotifyInterval);
	}

	/**
	 * Returns a copy with another reminder interval.
	 * @param renotifyInterval the new value
	 * @return the copy
	 */
	public BacklogSettings withRenotifyInterval(Duration renotifyInterval) {
		return new BacklogSettings(this.sampleInterval, this.window, this.countCap, this.topK, this.minimumComplete,
				this.allowedBacklog, this.ageWarn, this.ageError, renotifyInterval);
	}

	private static void requirePositive(String name, @Nullable Duration value) {
		if (value == null) {
			throw new InvalidLimitException(name, null, "must be set");
		}
		if (value.isNegative() || value.isZero()) {
			throw new InvalidLimitException(name, value, "must be positive");
		}
	}

}
