package dev.harvest.outbox.backlog;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Why a scope is not OK, with the row to look at when one is to blame.
 *
 * @param kind what is wrong
 * @param topic the topic, or {@code null} for the whole outbox
 * @param description the reason in words, for logs and notifications
 * @param row the row concerned (the oldest, the late one), or {@code null}
 * @param age how long {@code row} has been pending at the sample time, or {@code null}
 */
public record BacklogReason(Kind kind, @Nullable String topic, String description, @Nullable OldestRow row,
		@Nullable Duration age) {

	/**
	 * What is wrong.
	 */
	public enum Kind {

		/** The backlog never shrank across the window: rows arrive at least as fast as they go. */
		FALLING_BEHIND,

		/** A row with a lower id than rows already published became visible late. */
		LATE_ROWS,

		/** Rows were moved to the quarantine table and wait for an operator. */
		QUARANTINE,

		/** Nothing was published across the whole window while rows were pending. */
		NO_PROGRESS,

		/** The oldest row stayed in place across the whole window while others may have gone out. */
		HEAD_OF_LINE_BLOCKED,

		/** No member of the leader group has led for longer than the window. */
		NO_LEADER,

		/** The leader has not run its mark query for longer than the window. */
		LEADER_NOT_MARKING,

		/** The oldest row is older than the configured warning age. */
		AGE_WARN,

		/** The oldest row is older than the configured error age. */
		AGE_ERROR

	}

}
