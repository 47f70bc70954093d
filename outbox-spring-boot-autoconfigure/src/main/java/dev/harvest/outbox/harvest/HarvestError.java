package dev.harvest.outbox.harvest;

import java.time.Instant;

/**
 * An error the harvester ran into and recovered from, kept for health reporting.
 *
 * @param time when it happened
 * @param message what failed and why
 * @param type the class name of the underlying exception
 */
public record HarvestError(Instant time, String message, String type) {

	static HarvestError of(Instant time, String what, Throwable failure) {
		String detail = (failure.getMessage() != null) ? failure.getMessage() : failure.getClass().getSimpleName();
		return new HarvestError(time, what + ": " + detail, failure.getClass().getName());
	}

}
