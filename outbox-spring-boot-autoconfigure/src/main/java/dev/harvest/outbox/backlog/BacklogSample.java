package dev.harvest.outbox.backlog;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One reading of the outbox, taken with a few cheap queries. Every row still in the outbox is
 * pending, so the number of rows is the backlog.
 *
 * @param time when the sample was taken, by the database clock (the clock of the rows'
 * creation times)
 * @param backlog the number of pending rows, counted up to the count cap
 * @param capped whether the count stopped at the cap, so the backlog is at least this much
 * @param oldest the pending row with the lowest id, or {@code null} when the outbox is empty
 * @param published the table's deleted-rows counter ({@code n_tup_del}), which grows by one
 * for each published or quarantined row; {@code null} when PostgreSQL does not count
 * @param quarantined the rows in the quarantine table, counted up to the cap, or {@code null}
 * when there is no quarantine table
 * @param topics the topics with the largest backlogs among the rows scanned, largest first;
 * empty when per-topic sampling is off
 * @param topicCount the number of distinct topics among the rows scanned
 */
public record BacklogSample(Instant time, long backlog, boolean capped, @Nullable OldestRow oldest,
		@Nullable Long published, @Nullable Long quarantined, List<TopicSample> topics, int topicCount) {

	public BacklogSample {
		topics = List.copyOf(topics);
	}

	/**
	 * Whether {@link #topics()} lists every topic that has pending rows, so that a topic
	 * missing from it has none.
	 * @return {@code true} when the topic list is complete
	 */
	public boolean topicsComplete() {
		return !this.capped && this.topics.size() == this.topicCount && (this.backlog == 0 || this.topicCount > 0);
	}

}
