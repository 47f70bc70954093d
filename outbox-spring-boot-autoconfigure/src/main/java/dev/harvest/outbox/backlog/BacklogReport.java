package dev.harvest.outbox.backlog;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The latest judgement of the backlog with the figures behind it, as a monitor keeps it for
 * endpoints, health indicators and gauges.
 *
 * @param status the worst status of the outbox and its topics
 * @param reasons why the status is not OK: the outbox's reasons, then the topics'
 * @param sampledAt the time of the newest sample (database clock), or {@code null} before the
 * first
 * @param complete the share of the outbox's window that is filled
 * @param totalBacklog the pending rows, counted up to the count cap
 * @param backlogCapped whether the count stopped at the cap
 * @param oldest the pending row with the lowest id, or {@code null} when there is none
 * @param oldestAge how long {@code oldest} had been pending when sampled, or {@code null}
 * @param quarantined the quarantined rows, or {@code null} when there is no quarantine table
 * @param publishRate rows published per second over the window, or {@code null} when unknown
 * @param insertRate rows inserted per second over the window (published plus backlog growth),
 * or {@code null} when unknown
 * @param window the outbox's window
 * @param topics the topics sampled, largest backlog first
 * @param topicCount the number of distinct topics with pending rows in the newest sample's
 * scan, which may exceed the topics listed
 * @param lastError why the newest sampling attempt failed, or {@code null} when it did not
 */
public record BacklogReport(BacklogStatus status, List<BacklogReason> reasons, @Nullable Instant sampledAt,
		double complete, long totalBacklog, boolean backlogCapped, @Nullable OldestRow oldest,
		@Nullable Duration oldestAge, @Nullable Long quarantined, @Nullable Double publishRate,
		@Nullable Double insertRate, Window window, List<TopicBacklog> topics, int topicCount,
		@Nullable String lastError) {

	public BacklogReport {
		reasons = List.copyOf(reasons);
		topics = List.copyOf(topics);
	}

	/**
	 * Returns the report of a monitor that has no sample yet, or none recent enough.
	 * @param window the window, possibly empty
	 * @param lastError why sampling failed, or {@code null}
	 * @return the report, with status {@link BacklogStatus#NOTFOUND}
	 */
	static BacklogReport notFound(Window window, @Nullable String lastError) {
		return new BacklogReport(BacklogStatus.NOTFOUND, List.of(), null, 0, 0, false, null, null, null, null, null,
				window, List.of(), 0, lastError);
	}

	/**
	 * Returns the topic with the largest backlog.
	 * @return the topic, or {@code null} when no topic was sampled
	 */
	public @Nullable TopicBacklog maxBacklog() {
		return this.topics.isEmpty() ? null : this.topics.get(0);
	}

	/**
	 * The outbox's window.
	 *
	 * @param size the number of samples the window holds when full
	 * @param filled the number of samples it holds
	 * @param sampleInterval the time between two samples
	 * @param span the time from the first sample to the newest
	 * @param start the first sample, or {@code null} when empty
	 * @param end the newest sample, or {@code null} when empty
	 */
	public record Window(int size, int filled, Duration sampleInterval, Duration span, @Nullable BacklogEntry start,
			@Nullable BacklogEntry end) {

	}

	/**
	 * The judgement and figures of one topic.
	 *
	 * @param topic the topic
	 * @param status the topic's status
	 * @param reasons why it is not OK
	 * @param backlog the topic's pending rows in the newest sample
	 * @param complete the share of the topic's window that is filled
	 * @param oldest the topic's oldest pending row, or {@code null}
	 * @param oldestAge how long {@code oldest} had been pending when sampled, or {@code null}
	 * @param start the topic's first sample in the window
	 * @param end the topic's newest sample
	 */
	public record TopicBacklog(String topic, BacklogStatus status, List<BacklogReason> reasons, long backlog,
			double complete, @Nullable OldestRow oldest, @Nullable Duration oldestAge, BacklogEntry start,
			BacklogEntry end) {

		public TopicBacklog {
			reasons = List.copyOf(reasons);
		}

	}

}
