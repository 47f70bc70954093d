package dev.harvest.outbox.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

import dev.harvest.outbox.backlog.BacklogReason;
import dev.harvest.outbox.backlog.BacklogReport;
import dev.harvest.outbox.backlog.BacklogReport.TopicBacklog;
import dev.harvest.outbox.backlog.BacklogStatus;
import dev.harvest.outbox.backlog.OldestRow;

/**
 * The backlog section of the harvest endpoint: the latest backlog report, with the topics that
 * are not OK or, when asked, all topics sampled.
 *
 * @param status the worst status of the outbox and its topics
 * @param reasons why the status is not OK, each with the row to look at when one is to blame
 * @param sampledAt when the newest sample was taken (database clock), or {@code null}
 * @param complete the share of the outbox's window that is filled
 * @param totalBacklog the pending rows, counted up to the count cap
 * @param backlogCapped whether the count stopped at the cap
 * @param maxBacklog the topic with the largest backlog, or {@code null}
 * @param oldest the pending row with the lowest id, or {@code null}
 * @param oldestAge how long that row had waited when sampled, or {@code null}
 * @param quarantined the quarantined rows, or {@code null} without a quarantine table
 * @param publishRate rows published per second over the window, or {@code null}
 * @param insertRate rows written per second over the window, or {@code null}
 * @param window the outbox's window of samples
 * @param allTopics whether {@code topics} lists every topic sampled rather than those not OK
 * @param topics the topics listed, largest backlog first
 * @param topicCount the number of topics with pending rows in the newest sample
 * @param lastError why the newest sample failed, or {@code null}
 */
public record BacklogDescriptor(BacklogStatus status, List<BacklogReason> reasons, @Nullable Instant sampledAt,
		double complete, long totalBacklog, boolean backlogCapped, @Nullable MaxBacklog maxBacklog,
		@Nullable OldestRow oldest, @Nullable Duration oldestAge, @Nullable Long quarantined,
		@Nullable Double publishRate, @Nullable Double insertRate, BacklogReport.Window window, boolean allTopics,
		List<TopicBacklog> topics, int topicCount, @Nullable String lastError) implements OperationResponseBody {

	public BacklogDescriptor {
		reasons = List.copyOf(reasons);
		topics = List.copyOf(topics);
	}

	/**
	 * Describes a report.
	 * @param report the report
	 * @param allTopics whether to list every topic, or only those that are not OK
	 * @return the descriptor
	 */
	public static BacklogDescriptor of(BacklogReport report, boolean allTopics) {
		TopicBacklog largest = report.maxBacklog();
		List<TopicBacklog> topics = allTopics ? report.topics()
				: report.topics().stream().filter((topic) -> topic.status() != BacklogStatus.OK).toList();
		return new BacklogDescriptor(report.status(), report.reasons(), report.sampledAt(), report.complete(),
				report.totalBacklog(), report.backlogCapped(),
				(largest != null) ? new MaxBacklog(largest.topic(), largest.backlog()) : null, report.oldest(),
				report.oldestAge(), report.quarantined(), report.publishRate(), report.insertRate(), report.window(),
				allTopics, topics, report.topicCount(), report.lastError());
	}

	/**
	 * The topic with the largest backlog.
	 *
	 * @param topic the topic
	 * @param backlog its pending rows
	 */
	public record MaxBacklog(String topic, long backlog) {

	}

}
