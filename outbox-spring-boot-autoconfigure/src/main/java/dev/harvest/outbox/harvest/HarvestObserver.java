package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.time.Instant;

import dev.harvest.outbox.kafka.SendFailureKind;

/**
 * Told about timings inside the harvester, for metrics. Called on the harvester's own threads
 * (the producer I/O thread for acknowledgements), so implementations must be quick and must not
 * block; an exception thrown here is ignored.
 */
public interface HarvestObserver {

	/** An observer that does nothing. */
	HarvestObserver NONE = new HarvestObserver() {
	};

	/**
	 * Kafka acknowledged a record.
	 * @param createTime when the outbox row was written
	 * @param acknowledged when the acknowledgement arrived
	 */
	default void recordAcknowledged(Instant createTime, Instant acknowledged) {
	}

	/**
	 * A send failed.
	 * @param failure what the producer reported
	 * @param kind how the harvester classified it
	 */
	default void recordFailed(Throwable failure, SendFailureKind kind) {
	}

	/**
	 * A row moved to quarantine.
	 * @param policy the policy it was quarantined under
	 */
	default void recordQuarantined(PoisonPolicy policy) {
	}

	/**
	 * A mark statement completed.
	 * @param duration how long it took
	 * @param rows how many rows it claimed
	 */
	default void markCompleted(Duration duration, int rows) {
	}

	/**
	 * A purge statement completed.
	 * @param duration how long it took
	 * @param rows how many rows it deleted
	 */
	default void purgeCompleted(Duration duration, int rows) {
	}

}
