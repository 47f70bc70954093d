package dev.harvest.outbox.backlog;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * One scope's reading in a window: the whole outbox's, or one topic's.
 *
 * @param time when the sample was taken
 * @param backlog the pending rows of the scope
 * @param oldest the scope's pending row with the lowest id, or {@code null} when it has none
 * @param published the outbox's published counter, or {@code null} when unknown (always for a
 * topic)
 * @param quarantined the quarantined rows, or {@code null} when unknown (always for a topic)
 */
public record BacklogEntry(Instant time, long backlog, @Nullable OldestRow oldest, @Nullable Long published,
		@Nullable Long quarantined) {

	/**
	 * Returns the whole outbox's reading in a sample.
	 * @param sample the sample
	 * @return the entry
	 */
	public static BacklogEntry of(BacklogSample sample) {
		return new BacklogEntry(sample.time(), sample.backlog(), sample.oldest(), sample.published(),
				sample.quarantined());
	}

	/**
	 * Returns one topic's reading in a sample.
	 * @param time when the sample was taken
	 * @param topic the topic's part of the sample
	 * @return the entry
	 */
	public static BacklogEntry of(Instant time, TopicSample topic) {
		return new BacklogEntry(time, topic.backlog(), topic.oldest(), null, null);
	}

	/**
	 * Returns the reading of a topic that has no pending rows.
	 * @param time when the sample was taken
	 * @return the entry
	 */
	public static BacklogEntry drained(Instant time) {
		return new BacklogEntry(time, 0, null, null, null);
	}

}
