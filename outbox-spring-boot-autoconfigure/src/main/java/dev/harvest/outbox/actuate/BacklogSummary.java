package dev.harvest.outbox.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.backlog.BacklogReason;
import dev.harvest.outbox.backlog.BacklogReport;
import dev.harvest.outbox.backlog.BacklogStatus;

/**
 * The gist of the latest backlog report, for the main harvest descriptor and the health
 * indicator: the status and why.
 *
 * @param status the backlog status
 * @param reasons why it is not OK, in words
 * @param totalBacklog the pending rows, counted up to the count cap
 * @param backlogCapped whether the count stopped at the cap
 * @param oldestAge how long the oldest pending row had waited when sampled, or {@code null}
 * @param sampledAt when the newest sample was taken, or {@code null} before the first
 */
public record BacklogSummary(BacklogStatus status, List<Reason> reasons, long totalBacklog, boolean backlogCapped,
		@Nullable Duration oldestAge, @Nullable Instant sampledAt) {

	public BacklogSummary {
		reasons = List.copyOf(reasons);
	}

	/**
	 * Returns the summary of a report.
	 * @param report the report
	 * @return the summary
	 */
	public static BacklogSummary of(BacklogReport report) {
		return new BacklogSummary(report.status(), report.reasons().stream().map(Reason::of).toList(),
				report.totalBacklog(), report.backlogCapped(), report.oldestAge(), report.sampledAt());
	}

	/**
	 * One reason, in words.
	 *
	 * @param kind what is wrong
	 * @param topic the topic concerned, or {@code null} for the whole outbox
	 * @param description the reason in words
	 */
	public record Reason(BacklogReason.Kind kind, @Nullable String topic, String description) {

		static Reason of(BacklogReason reason) {
			return new Reason(reason.kind(), reason.topic(), reason.description());
		}

	}

}
