package dev.harvest.outbox.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.backlog.BacklogEntry;
import dev.harvest.outbox.backlog.BacklogReason;
import dev.harvest.outbox.backlog.BacklogReason.Kind;
import dev.harvest.outbox.backlog.BacklogReport;
import dev.harvest.outbox.backlog.BacklogReport.TopicBacklog;
import dev.harvest.outbox.backlog.BacklogStatus;
import dev.harvest.outbox.backlog.OldestRow;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BacklogDescriptor} and {@link BacklogSummary}.
 */
class BacklogDescriptorTests {

	private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

	private static final OldestRow STUCK = new OldestRow(41, "payments", "p-9", NOW.minusSeconds(300));

	private static final BacklogReason BLOCKED = new BacklogReason(Kind.HEAD_OF_LINE_BLOCKED, "payments",
			"row 41 (topic 'payments', key 'p-9') has been the oldest of topic 'payments' for the whole window",
			STUCK, Duration.ofSeconds(300));

	private final BacklogReport report = new BacklogReport(BacklogStatus.STALL, List.of(BLOCKED), NOW, 1.0, 130,
			false, STUCK, Duration.ofSeconds(300), 1L, 12.5, 12.5,
			new BacklogReport.Window(12, 12, Duration.ofSeconds(10), Duration.ofSeconds(110), entry(120, STUCK),
					entry(130, STUCK)),
			List.of(topic("orders", BacklogStatus.OK, 90, List.of()), topic("payments", BacklogStatus.STALL, 40,
					List.of(BLOCKED))),
			2, null);

	@Test
	void listsOnlyTopicsThatAreNotOkByDefault() {
		BacklogDescriptor descriptor = BacklogDescriptor.of(this.report, false);
		assertThat(descriptor.allTopics()).isFalse();
		assertThat(descriptor.topics()).extracting(TopicBacklog::topic).containsExactly("payments");
		assertThat(descriptor.topicCount()).isEqualTo(2);
	}

	@Test
	void listsEveryTopicSampledWhenAsked() {
		BacklogDescriptor descriptor = BacklogDescriptor.of(this.report, true);
		assertThat(descriptor.allTopics()).isTrue();
		assertThat(descriptor.topics()).extracting(TopicBacklog::topic).containsExactly("orders", "payments");
	}

	@Test
	void carriesTheFiguresAndTheLargestTopic() {
		BacklogDescriptor descriptor = BacklogDescriptor.of(this.report, false);
		assertThat(descriptor.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(descriptor.reasons()).containsExactly(BLOCKED);
		assertThat(descriptor.totalBacklog()).isEqualTo(130);
		assertThat(descriptor.maxBacklog()).isEqualTo(new BacklogDescriptor.MaxBacklog("orders", 90));
		assertThat(descriptor.oldest()).isEqualTo(STUCK);
		assertThat(descriptor.quarantined()).isOne();
		assertThat(descriptor.window().span()).hasSeconds(110);
	}

	@Test
	void summaryKeepsTheStatusAndReasonsInWords() {
		BacklogSummary summary = BacklogSummary.of(this.report);
		assertThat(summary.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(summary.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.HEAD_OF_LINE_BLOCKED);
			assertThat(reason.topic()).isEqualTo("payments");
			assertThat(reason.description()).startsWith("row 41");
		});
		assertThat(summary.totalBacklog()).isEqualTo(130);
		assertThat(summary.oldestAge()).hasSeconds(300);
		assertThat(summary.sampledAt()).isEqualTo(NOW);
	}

	@Test
	void withoutTopicsThereIsNoLargestTopic() {
		BacklogReport empty = new BacklogReport(BacklogStatus.OK, List.of(), NOW, 1.0, 0, false, null, null, 0L, 0.0,
				0.0, new BacklogReport.Window(12, 12, Duration.ofSeconds(10), Duration.ofSeconds(110), null, null),
				List.of(), 0, null);
		assertThat(BacklogDescriptor.of(empty, true).maxBacklog()).isNull();
	}

	private static TopicBacklog topic(String name, BacklogStatus status, long backlog, List<BacklogReason> reasons) {
		OldestRow oldest = new OldestRow(backlog, name, "k", NOW.minusSeconds(5));
		return new TopicBacklog(name, status, reasons, backlog, 1.0, oldest, Duration.ofSeconds(5),
				entry(backlog, oldest), entry(backlog, oldest));
	}

	private static BacklogEntry entry(long backlog, OldestRow oldest) {
		return new BacklogEntry(NOW, backlog, oldest, 1000L, null);
	}

}
