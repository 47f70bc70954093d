package dev.harvest.outbox.backlog;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BacklogWindow}.
 */
class BacklogWindowTests {

	private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");

	private final BacklogWindow window = new BacklogWindow(3);

	@Test
	void ringKeepsTheLastSamplesOldestFirst() {
		for (int i = 0; i < 5; i++) {
			this.window.add(sample(i, 10 + i, 100L + i));
		}
		ScopeWindow outbox = this.window.outbox();
		assertThat(outbox.topic()).isNull();
		assertThat(outbox.entries()).extracting(BacklogEntry::backlog).containsExactly(12L, 13L, 14L);
		assertThat(outbox.complete()).isEqualTo(1.0);
		assertThat(outbox.span()).isEqualTo(Duration.ofSeconds(20));
	}

	@Test
	void partlyFilledRingIsIncomplete() {
		this.window.add(sample(0, 10, 100L));
		assertThat(this.window.outbox().complete()).isEqualTo(1.0 / 3);
		assertThat(this.window.outbox().span()).isZero();
	}

	@Test
	void publishedCounterGoingDownRestartsTheOutboxWindow() {
		this.window.add(sample(0, 10, 100L));
		this.window.add(sample(1, 10, 120L));
		this.window.add(sample(2, 10, 5L));
		assertThat(this.window.outbox().entries()).extracting(BacklogEntry::published).containsExactly(5L);
	}

	@Test
	void unknownPublishedCounterDoesNotRestartTheWindow() {
		this.window.add(sample(0, 10, 100L));
		this.window.add(sample(1, 10, null));
		this.window.add(sample(2, 10, 90L));
		assertThat(this.window.outbox().entries()).hasSize(3);
	}

	@Test
	void topicMissingFromACompleteSampleHasDrained() {
		this.window.add(sample(0, 5, 100L, topic("orders", 3), topic("payments", 2)));
		this.window.add(sample(1, 3, 102L, topic("orders", 3)));
		assertThat(this.window.topics()).extracting(ScopeWindow::topic).containsExactly("orders", "payments");
		ScopeWindow payments = this.window.topics().get(1);
		assertThat(payments.entries()).extracting(BacklogEntry::backlog).containsExactly(2L, 0L);
		assertThat(payments.end().oldest()).isNull();
	}

	@Test
	void topicDrainedForAWholeWindowIsForgotten() {
		this.window.add(sample(0, 5, 100L, topic("orders", 3), topic("payments", 2)));
		for (int i = 1; i <= 3; i++) {
			this.window.add(sample(i, 3, 100L + i, topic("orders", 3)));
		}
		assertThat(this.window.topics()).extracting(ScopeWindow::topic).containsExactly("orders");
	}

	@Test
	void topicFallingOutOfTheTopTopicsIsDropped() {
		this.window.add(sample(0, 5, 100L, topic("orders", 3), topic("payments", 2)));
		// Three topics, only the largest listed: nothing is known about the others.
		this.window.add(new BacklogSample(START.plusSeconds(10), 6, false, null, 101L, null,
				List.of(topic("orders", 4)), 3));
		assertThat(this.window.topics()).extracting(ScopeWindow::topic).containsExactly("orders");
	}

	@Test
	void topicsAreOrderedByCurrentBacklog() {
		this.window.add(sample(0, 6, 100L, topic("a", 1), topic("b", 2), topic("c", 3)));
		assertThat(this.window.topics()).extracting(ScopeWindow::topic).containsExactly("c", "b", "a");
	}

	@Test
	void clearForgetsEverything() {
		this.window.add(sample(0, 5, 100L, topic("orders", 5)));
		this.window.clear();
		assertThat(this.window.outbox().isEmpty()).isTrue();
		assertThat(this.window.topics()).isEmpty();
	}

	private static BacklogSample sample(int second, long backlog, @Nullable Long published, TopicSample... topics) {
		Instant time = START.plusSeconds(second * 10L);
		OldestRow oldest = (backlog > 0) ? new OldestRow(1, "orders", "k", START) : null;
		return new BacklogSample(time, backlog, false, oldest, published, null, List.of(topics), topics.length);
	}

	private static TopicSample topic(String name, long backlog) {
		return new TopicSample(name, backlog, new OldestRow(1, name, "k", START));
	}

}
