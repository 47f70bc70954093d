package dev.harvest.outbox.backlog;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The last readings of one scope, oldest first: what the evaluator judges. Like a Burrow
 * partition ring, it may hold fewer entries than its size while it fills.
 *
 * @param topic the topic, or {@code null} for the whole outbox
 * @param size the number of entries the window holds when full
 * @param entries the readings, oldest first, at most {@code size}
 */
public record ScopeWindow(@Nullable String topic, int size, List<BacklogEntry> entries) {

	public ScopeWindow {
		if (size < 1) {
			throw new IllegalArgumentException("'size' must be at least 1 (was " + size + ")");
		}
		entries = List.copyOf(entries);
		if (entries.size() > size) {
			throw new IllegalArgumentException(
					"A window of size " + size + " cannot hold " + entries.size() + " entries");
		}
	}

	/**
	 * Returns the share of the window that is filled, as Burrow's {@code complete}.
	 * @return from 0 (empty) to 1 (full)
	 */
	public double complete() {
		return (double) this.entries.size() / this.size;
	}

	/**
	 * Whether the window has no entries yet.
	 * @return {@code true} when empty
	 */
	public boolean isEmpty() {
		return this.entries.isEmpty();
	}

	/**
	 * Returns the oldest entry.
	 * @return the first entry
	 * @throws IllegalStateException when the window is empty
	 */
	public BacklogEntry start() {
		requireEntries();
		return this.entries.get(0);
	}

	/**
	 * Returns the newest entry.
	 * @return the last entry
	 * @throws IllegalStateException when the window is empty
	 */
	public BacklogEntry end() {
		requireEntries();
		return this.entries.get(this.entries.size() - 1);
	}

	/**
	 * Returns the time the window covers, from its oldest to its newest entry.
	 * @return the span, zero when empty or with one entry
	 */
	public Duration span() {
		return isEmpty() ? Duration.ZERO : Duration.between(start().time(), end().time());
	}

	private void requireEntries() {
		if (this.entries.isEmpty()) {
			throw new IllegalStateException("The window of " + describe() + " is empty");
		}
	}

	String describe() {
		return (this.topic != null) ? "topic '" + this.topic + "'" : "the outbox";
	}

}
