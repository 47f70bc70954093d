package dev.harvest.outbox.harvest;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a {@link Limits} or {@link Config} value is invalid; names the value so that a
 * configuration layer can point at the property to fix.
 */
public class InvalidLimitException extends IllegalArgumentException {

	private static final long serialVersionUID = 1L;

	private final String name;

	private final @Nullable Object value;

	private final String reason;

	public InvalidLimitException(String name, @Nullable Object value, String reason) {
		super("'" + name + "' " + reason + " (was " + value + ")");
		this.name = name;
		this.value = value;
		this.reason = reason;
	}

	/**
	 * Returns the name of the invalid value, e.g. {@code sendConcurrency}.
	 * @return the name
	 */
	public String getName() {
		return this.name;
	}

	public @Nullable Object getValue() {
		return this.value;
	}

	public String getReason() {
		return this.reason;
	}

}
