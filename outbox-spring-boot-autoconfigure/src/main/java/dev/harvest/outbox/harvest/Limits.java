package dev.harvest.outbox.harvest;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The harvester's timings and bounds. goharvest's knobs keep their names, defaults and derived
 * defaults; the rest bound memory and batching. Build with {@link #builder()}; every value is
 * validated and a bad one is reported by its name.
 *
 * @param ioErrorBackoff pause after a failed database statement before it is retried
 * @param pollDuration longest a single poll of the leader-election consumer may wait
 * @param minPollInterval spacing of leader-election polls and heartbeats
 * @param maxPollInterval longest the leadership thread may go without polling before the
 * leader stops sending (half the heartbeat timeout unless set)
 * @param heartbeatTimeout a leader that has not read back its own heartbeat for this long
 * fences itself
 * @param drainInterval how often a waiting drain reports progress (the smaller of the max
 * poll interval and the queue timeout unless set)
 * @param queueTimeout a record that waited this long in flight or behind its key is reported
 * as stalled
 * @param markBackoff first pause after a mark that found nothing; pauses double while idle
 * @param maxMarkBackoff longest pause between marks while idle
 * @param maxInFlightRecords most records sent to Kafka and not yet acknowledged
 * @param maxQueuedRecords most records marked and held in memory waiting to be sent; the
 * marker pauses when full
 * @param sendConcurrency number of sender shards, each with its own producer
 * @param sendBuffer records each shard may hold ready to send
 * @param markQueryRecords most rows one mark statement claims
 * @param minMetricsInterval least time between two throughput meter events
 * @param drainTimeout longest a revoke or stop waits for in-flight records before letting go
 * @param purgeBatchSize most acknowledged rows deleted by one statement
 * @param purgeInterval longest an acknowledged row waits before its batch is deleted
 * @param headRescanInterval how often the marker looks again below its cursor for rows that
 * committed late with lower ids
 */
public record Limits(Duration ioErrorBackoff, Duration pollDuration, Duration minPollInterval,
		Duration maxPollInterval, Duration heartbeatTimeout, Duration drainInterval, Duration queueTimeout,
		Duration markBackoff, Duration maxMarkBackoff, int maxInFlightRecords, int maxQueuedRecords,
		int sendConcurrency, int sendBuffer, int markQueryRecords, Duration minMetricsInterval, Duration drainTimeout,
		int purgeBatchSize, Duration purgeInterval, Duration headRescanInterval) {

	/** Default {@code ioErrorBackoff}. */
	public static final Duration DEFAULT_IO_ERROR_BACKOFF = Duration.ofMillis(500);

	/** Default {@code pollDuration}. */
	public static final Duration DEFAULT_POLL_DURATION = Duration.ofMillis(1);

	/** Default {@code minPollInterval}. */
	public static final Duration DEFAULT_MIN_POLL_INTERVAL = Duration.ofMillis(100);

	/** Default {@code heartbeatTimeout}. */
	public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);

	/** Default {@code queueTimeout}. */
	public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(30);

	/** Default {@code markBackoff}. */
	public static final Duration DEFAULT_MARK_BACKOFF = Duration.ofMillis(10);

	/** Default {@code maxMarkBackoff}. */
	public static final Duration DEFAULT_MAX_MARK_BACKOFF = Duration.ofMillis(500);

	/** Default {@code maxInFlightRecords}. */
	public static final int DEFAULT_MAX_IN_FLIGHT_RECORDS = 1000;

	/** Default {@code maxQueuedRecords}. */
	public static final int DEFAULT_MAX_QUEUED_RECORDS = 10_000;

	/** Default {@code sendConcurrency}. */
	public static final int DEFAULT_SEND_CONCURRENCY = 8;

	/** Default {@code sendBuffer}. */
	public static final int DEFAULT_SEND_BUFFER = 10;

	/** Default {@code markQueryRecords}. */
	public static final int DEFAULT_MARK_QUERY_RECORDS = 100;

	/** Default {@code minMetricsInterval}. */
	public static final Duration DEFAULT_MIN_METRICS_INTERVAL = Duration.ofSeconds(5);

	/** Default {@code drainTimeout}. */
	public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

	/** Default {@code purgeBatchSize}. */
	public static final int DEFAULT_PURGE_BATCH_SIZE = 1000;

	/** Default {@code purgeInterval}. */
	public static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofMillis(20);

	/** Default {@code headRescanInterval}. */
	public static final Duration DEFAULT_HEAD_RESCAN_INTERVAL = Duration.ofSeconds(1);

	public Limits {
		requireNonNegative("ioErrorBackoff", ioErrorBackoff);
		requirePositive("pollDuration", pollDuration);
		requirePositive("minPollInterval", minPollInterval);
		requirePositive("heartbeatTimeout", heartbeatTimeout);
		requirePositive("maxPollInterval", maxPollInterval);
		requirePositive("queueTimeout", queueTimeout);
		requirePositive("drainInterval", drainInterval);
		requireNonNegative("markBackoff", markBackoff);
		requireNonNegative("maxMarkBackoff", maxMarkBackoff);
		requireNonNegative("minMetricsInterval", minMetricsInterval);
		requireNonNegative("drainTimeout", drainTimeout);
		requirePositive("purgeInterval", purgeInterval);
		requirePositive("headRescanInterval", headRescanInterval);
		requireAtLeast("maxInFlightRecords", maxInFlightRecords, 1);
		requireAtLeast("maxQueuedRecords", maxQueuedRecords, 1);
		requireAtLeast("sendConcurrency", sendConcurrency, 1);
		requireAtLeast("sendBuffer", sendBuffer, 1);
		requireAtLeast("markQueryRecords", markQueryRecords, 1);
		requireAtLeast("purgeBatchSize", purgeBatchSize, 1);
		if (maxPollInterval.compareTo(minPollInterval) < 0) {
			throw new InvalidLimitException("maxPollInterval", maxPollInterval,
					"must not be less than minPollInterval (" + minPollInterval + ")");
		}
		if (heartbeatTimeout.compareTo(minPollInterval) <= 0) {
			throw new InvalidLimitException("heartbeatTimeout", heartbeatTimeout,
					"must be greater than minPollInterval (" + minPollInterval
							+ "), or every leader fences itself between two heartbeats");
		}
		if (maxMarkBackoff.compareTo(markBackoff) < 0) {
			throw new InvalidLimitException("maxMarkBackoff", maxMarkBackoff,
					"must not be less than markBackoff (" + markBackoff + ")");
		}
		if (maxQueuedRecords < markQueryRecords) {
			throw new InvalidLimitException("maxQueuedRecords", maxQueuedRecords,
					"must be at least markQueryRecords (" + markQueryRecords + ")");
		}
	}

	/**
	 * Returns the default limits, as in goharvest.
	 * @return the defaults
	 */
	public static Limits defaults() {
		return builder().build();
	}

	/**
	 * Starts a builder holding the defaults.
	 * @return a builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Starts a builder holding these limits, with derived values kept as set.
	 * @return a builder
	 */
	public Builder toBuilder() {
		return new Builder().ioErrorBackoff(this.ioErrorBackoff)
			.pollDuration(this.pollDuration)
			.minPollInterval(this.minPollInterval)
			.maxPollInterval(this.maxPollInterval)
			.heartbeatTimeout(this.heartbeatTimeout)
			.drainInterval(this.drainInterval)
			.queueTimeout(this.queueTimeout)
			.markBackoff(this.markBackoff)
			.maxMarkBackoff(this.maxMarkBackoff)
			.maxInFlightRecords(this.maxInFlightRecords)
			.maxQueuedRecords(this.maxQueuedRecords)
			.sendConcurrency(this.sendConcurrency)
			.sendBuffer(this.sendBuffer)
			.markQueryRecords(this.markQueryRecords)
			.minMetricsInterval(this.minMetricsInterval)
			.drainTimeout(this.drainTimeout)
			.purgeBatchSize(this.purgeBatchSize)
			.purgeInterval(this.purgeInterval)
			.headRescanInterval(this.headRescanInterval);
	}

	private static void requirePositive(String name, @Nullable Duration value) {
		requireNonNegative(name, value);
		if (value.isZero()) {
			throw new InvalidLimitException(name, value, "must be positive");
		}
	}

	private static void requireNonNegative(String name, @Nullable Duration value) {
		if (value == null) {
			throw new InvalidLimitException(name, null, "must be set");
		}
		if (value.isNegative()) {
			throw new InvalidLimitException(name, value, "must not be negative");
		}
	}

	private static void requireAtLeast(String name, int value, int minimum) {
		if (value < minimum) {
			throw new InvalidLimitException(name, value, "must be at least " + minimum);
		}
	}

	/**
	 * Builds {@link Limits}; unset values take goharvest's defaults, and the derived ones
	 * ({@code maxPollInterval}, {@code drainInterval}) follow the values they derive from.
	 */
	public static final class Builder {

		private Duration ioErrorBackoff = DEFAULT_IO_ERROR_BACKOFF;

		private Duration pollDuration = DEFAULT_POLL_DURATION;

		private Duration minPollInterval = DEFAULT_MIN_POLL_INTERVAL;

		private @Nullable Duration maxPollInterval;

		private Duration heartbeatTimeout = DEFAULT_HEARTBEAT_TIMEOUT;

		private @Nullable Duration drainInterval;

		private Duration queueTimeout = DEFAULT_QUEUE_TIMEOUT;

		private Duration markBackoff = DEFAULT_MARK_BACKOFF;

		private Duration maxMarkBackoff = DEFAULT_MAX_MARK_BACKOFF;

		private int maxInFlightRecords = DEFAULT_MAX_IN_FLIGHT_RECORDS;

		private int maxQueuedRecords = DEFAULT_MAX_QUEUED_RECORDS;

		private int sendConcurrency = DEFAULT_SEND_CONCURRENCY;

		private int sendBuffer = DEFAULT_SEND_BUFFER;

		private int markQueryRecords = DEFAULT_MARK_QUERY_RECORDS;

		private Duration minMetricsInterval = DEFAULT_MIN_METRICS_INTERVAL;

		private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;

		private int purgeBatchSize = DEFAULT_PURGE_BATCH_SIZE;

		private Duration purgeInterval = DEFAULT_PURGE_INTERVAL;

		private Duration headRescanInterval = DEFAULT_HEAD_RESCAN_INTERVAL;

		private Builder() {
		}

		public Builder ioErrorBackoff(Duration ioErrorBackoff) {
			this.ioErrorBackoff = ioErrorBackoff;
			return this;
		}

		public Builder pollDuration(Duration pollDuration) {
			this.pollDuration = pollDuration;
			return this;
		}

		public Builder minPollInterval(Duration minPollInterval) {
			this.minPollInterval = minPollInterval;
			return this;
		}

		/**
		 * Sets the max poll interval; {@code null} derives it from the heartbeat timeout.
		 * @param maxPollInterval the interval or {@code null}
		 * @return this builder
		 */
		public Builder maxPollInterval(@Nullable Duration maxPollInterval) {
			this.maxPollInterval = maxPollInterval;
			return this;
		}

		public Builder heartbeatTimeout(Duration heartbeatTimeout) {
			this.heartbeatTimeout = heartbeatTimeout;
			return this;
		}

		/**
		 * Sets the drain interval; {@code null} derives it.
		 * @param drainInterval the interval or {@code null}
		 * @return this builder
		 */
		public Builder drainInterval(@Nullable Duration drainInterval) {
			this.drainInterval = drainInterval;
			return this;
		}

		public Builder queueTimeout(Duration queueTimeout) {
			this.queueTimeout = queueTimeout;
			return this;
		}

		public Builder markBackoff(Duration markBackoff) {
			this.markBackoff = markBackoff;
			return this;
		}

		public Builder maxMarkBackoff(Duration maxMarkBackoff) {
			this.maxMarkBackoff = maxMarkBackoff;
			return this;
		}

		public Builder maxInFlightRecords(int maxInFlightRecords) {
			this.maxInFlightRecords = maxInFlightRecords;
			return this;
		}

		public Builder maxQueuedRecords(int maxQueuedRecords) {
			this.maxQueuedRecords = maxQueuedRecords;
			return this;
		}

		public Builder sendConcurrency(int sendConcurrency) {
			this.sendConcurrency = sendConcurrency;
			return this;
		}

		public Builder sendBuffer(int sendBuffer) {
			this.sendBuffer = sendBuffer;
			return this;
		}

		public Builder markQueryRecords(int markQueryRecords) {
			this.markQueryRecords = markQueryRecords;
			return this;
		}

		public Builder minMetricsInterval(Duration minMetricsInterval) {
			this.minMetricsInterval = minMetricsInterval;
			return this;
		}

		public Builder drainTimeout(Duration drainTimeout) {
			this.drainTimeout = drainTimeout;
			return this;
		}

		public Builder purgeBatchSize(int purgeBatchSize) {
			this.purgeBatchSize = purgeBatchSize;
			return this;
		}

		public Builder purgeInterval(Duration purgeInterval) {
			this.purgeInterval = purgeInterval;
			return this;
		}

		public Builder headRescanInterval(Duration headRescanInterval) {
			this.headRescanInterval = headRescanInterval;
			return this;
		}

		/**
		 * Validates and builds the limits.
		 * @return the limits
		 * @throws InvalidLimitException naming the first invalid value
		 */
		public Limits build() {
			if (this.heartbeatTimeout == null) {
				throw new InvalidLimitException("heartbeatTimeout", null, "must be set");
			}
			Duration maxPoll = (this.maxPollInterval != null) ? this.maxPollInterval
					: this.heartbeatTimeout.dividedBy(2);
			Duration drain = this.drainInterval;
			if (drain == null && this.queueTimeout != null) {
				drain = (maxPoll.compareTo(this.queueTimeout) < 0) ? maxPoll : this.queueTimeout;
			}
			return new Limits(this.ioErrorBackoff, this.pollDuration, this.minPollInterval, maxPoll,
					this.heartbeatTimeout, drain, this.queueTimeout, this.markBackoff, this.maxMarkBackoff,
					this.maxInFlightRecords, this.maxQueuedRecords, this.sendConcurrency, this.sendBuffer,
					this.markQueryRecords, this.minMetricsInterval, this.drainTimeout, this.purgeBatchSize,
					this.purgeInterval, this.headRescanInterval);
		}

	}

}
