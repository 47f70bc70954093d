package dev.harvest.outbox.jdbc;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

import dev.harvest.outbox.harvest.PoisonPolicy;

/**
 * Why a row goes to quarantine: its failed attempts, the last error and the policy that
 * applies to its key. Error texts are cut to a length a table and an endpoint can carry.
 *
 * @param attempts how many sends were attempted (0 for a row that is malformed as stored)
 * @param firstFailureTime when the first attempt failed, or when the defect was found
 * @param lastFailureTime when the last attempt failed, or when the defect was found
 * @param lastError the last error message or the row's defect, or {@code null}
 * @param errorClass the class of the last error, or {@code null}
 * @param policy what the quarantine does to the row's key
 */
public record QuarantineEntry(int attempts, Instant firstFailureTime, Instant lastFailureTime,
		@Nullable String lastError, @Nullable String errorClass, PoisonPolicy policy) {

	/** The longest error message kept, in characters. */
	public static final int MAX_ERROR_LENGTH = 4000;

	/** The longest error class name kept, in characters. */
	public static final int MAX_ERROR_CLASS_LENGTH = 500;

	private static final String ELLIPSIS = "...";

	public QuarantineEntry {
		Assert.isTrue(attempts >= 0, "'attempts' must not be negative");
		Assert.notNull(firstFailureTime, "'firstFailureTime' must not be null");
		Assert.notNull(lastFailureTime, "'lastFailureTime' must not be null");
		Assert.notNull(policy, "'policy' must not be null");
		lastError = storable(lastError, MAX_ERROR_LENGTH);
		errorClass = storable(errorClass, MAX_ERROR_CLASS_LENGTH);
	}

	/**
	 * Creates an entry for a record whose attempts failed.
	 * @param attempts how many sends were attempted
	 * @param firstFailureTime when the first attempt failed
	 * @param lastFailureTime when the last attempt failed
	 * @param lastFailure the failure of the last attempt
	 * @param policy what the quarantine does to the row's key
	 * @return the entry
	 */
	public static QuarantineEntry ofFailure(int attempts, Instant firstFailureTime, Instant lastFailureTime,
			Throwable lastFailure, PoisonPolicy policy) {
		Assert.notNull(lastFailure, "'lastFailure' must not be null");
		String message = lastFailure.getMessage();
		return new QuarantineEntry(attempts, firstFailureTime, lastFailureTime,
				(message != null) ? message : lastFailure.toString(), lastFailure.getClass().getName(), policy);
	}

	/**
	 * Returns whether the row's key is held after the move: for every policy but
	 * {@link PoisonPolicy#SKIP_RECORD}.
	 * @return whether the row holds its key
	 */
	public boolean holdsKey() {
		return this.policy != PoisonPolicy.SKIP_RECORD;
	}

	private static @Nullable String storable(@Nullable String text, int maxLength) {
		if (text == null) {
			return null;
		}
		// PostgreSQL text cannot hold NUL characters, and an exception message may quote
		// binary data.
		String cleaned = text.replace('\u0000', '\uFFFD');
		if (cleaned.length() <= maxLength) {
			return cleaned;
		}
		int end = maxLength - ELLIPSIS.length();
		if (Character.isHighSurrogate(cleaned.charAt(end - 1))) {
			end--;
		}
		return cleaned.substring(0, end) + ELLIPSIS;
	}

}
