package dev.harvest.outbox.backlog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.backlog.BacklogReason.Kind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Tests for {@link BacklogEvaluator}: each rule on a synthetic window, and which rule wins when
 * several match.
 */
class BacklogEvaluatorTests {

	private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");

	private static final Duration STEP = Duration.ofSeconds(10);

	private static final int SIZE = 6;

	/** The newest sample of a full window of {@link #SIZE}. */
	private static final Instant END = START.plus(STEP.multipliedBy(SIZE - 1));

	private final BacklogEvaluator evaluator = new BacklogEvaluator(BacklogSettings.defaults().withWindow(SIZE));

	private final LeaderView leader = LeaderView.leader(START.minus(Duration.ofHours(1)), null);

	@Test
	void emptyWindowIsNotFound() {
		ScopeEvaluation evaluation = this.evaluator.evaluate(new ScopeWindow(null, SIZE, List.of()), this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.NOTFOUND);
		assertThat(evaluation.complete()).isZero();
	}

	@Test
	void caughtUpOutboxIsOkWhateverTheWindowShows() {
		ScopeWindow window = window().frozen(SIZE - 1, 100, 7).then(0, null, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.noLeader(null));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.OK);
		assertThat(evaluation.reasons()).isEmpty();
	}

	@Test
	void backlogWithinAllowedBacklogIsOk() {
		BacklogEvaluator tolerant = new BacklogEvaluator(
				BacklogSettings.defaults().withWindow(SIZE).withAllowedBacklog(5));
		ScopeWindow window = window().frozen(SIZE, 100, 7).backlogs(5, 5, 5, 5, 5, 5).build();
		assertThat(tolerant.evaluate(window, this.leader).status()).isEqualTo(BacklogStatus.OK);
		ScopeWindow above = window().frozen(SIZE, 100, 7).backlogs(6, 6, 6, 6, 6, 6).build();
		assertThat(tolerant.evaluate(above, this.leader).status()).isEqualTo(BacklogStatus.STALL);
	}

	@Test
	void windowLessCompleteThanMinimumIsNotJudged() {
		ScopeWindow window = window().frozen(2, 100, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.noLeader(null));
		assertThat(evaluation.complete()).isEqualTo(2.0 / SIZE);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.OK);
		assertThat(evaluation.reasons()).isEmpty();
	}

	@Test
	void windowExactlyAtMinimumCompleteIsJudged() {
		ScopeWindow window = window().frozen(3, 100, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.complete()).isEqualTo(0.5);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
	}

	@Test
	void minimumCompleteOfZeroJudgesASingleSample() {
		BacklogEvaluator eager = new BacklogEvaluator(
				BacklogSettings.defaults().withWindow(SIZE).withMinimumComplete(0));
		ScopeWindow window = window().frozen(1, 100, 7).build();
		assertThat(eager.evaluate(window, LeaderView.noLeader(null)).status()).isEqualTo(BacklogStatus.STOP);
	}

	@Test
	void noLeaderForLongerThanTheWindowIsStop() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.noLeader(START.minusSeconds(1)));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STOP);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.NO_LEADER);
		assertThat(evaluation.reasons().get(0).row()).isNotNull();
	}

	@Test
	void noLeaderSinceAnUnknownTimeIsStop() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).build();
		assertThat(this.evaluator.evaluate(window, LeaderView.noLeader(null)).status())
			.isEqualTo(BacklogStatus.STOP);
	}

	@Test
	void noLeaderForLessThanTheWindowIsNotStopYet() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 9, 9, 8, 8, 8).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.noLeader(END.minusSeconds(5)));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.OK);
	}

	@Test
	void leaderNotMarkingForLongerThanTheWindowIsStop() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window,
				this.leader.withLastMark(START.minusSeconds(1)));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STOP);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.LEADER_NOT_MARKING);
	}

	@Test
	void leaderMarkingRecentlyIsNotStop() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 9, 9, 9, 9, 9).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader.withLastMark(END.minusSeconds(1)));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.OK);
	}

	@Test
	void recentlyCaughtUpIsNotStopEvenWithoutLeader() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(3, 0, 1, 2, 3, 4).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.noLeader(null));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.OK);
		assertThat(evaluation.reasons()).isEmpty();
	}

	@Test
	void unknownLeaderNeverStops() {
		ScopeWindow window = window().frozen(SIZE, 100, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.unknown());
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
	}

	@Test
	void stopTakesPrecedenceOverLateRowsAndStall() {
		ScopeWindow window = window().frozen(SIZE, 100, 7).oldestIds(100, 100, 90, 90, 90, 90).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.noLeader(null));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STOP);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.NO_LEADER);
	}

	@Test
	void oldestIdGoingBackIsLateRows() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).oldestIds(100, 101, 95, 96, 97, 98).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.WARN);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.LATE_ROWS);
			assertThat(reason.row().id()).isEqualTo(95);
		});
	}

	@Test
	void lateRowPublishedSinceIsForgiven() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7)
			.oldestIds(100, 101, 95, 102, 103, 104)
			.backlogs(10, 9, 9, 8, 8, 8)
			.build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.OK);
	}

	@Test
	void lateRowsTakePrecedenceOverStallAndFallingBehind() {
		ScopeWindow window = window().frozen(SIZE, 100, 7).oldestIds(100, 100, 100, 90, 90, 90).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.WARN);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.LATE_ROWS);
	}

	@Test
	void publishedCounterNotMovingIsNoProgress() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).published(7, 7, 7, 7, 7, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.NO_PROGRESS);
			assertThat(reason.topic()).isNull();
		});
	}

	@Test
	void oldestRowStuckWhileOthersFlowIsHeadOfLineBlocked() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7)
			.oldestIds(100, 100, 100, 100, 100, 100)
			.backlogs(10, 12, 9, 11, 10, 12)
			.build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.HEAD_OF_LINE_BLOCKED);
			assertThat(reason.row()).isEqualTo(row(100));
			assertThat(reason.age()).isEqualTo(Duration.between(row(100).createTime(), END));
			assertThat(reason.description()).contains("row 100", "topic 'orders'", "key 'key-100'");
		});
	}

	@Test
	void headOfLineBlockedTakesPrecedenceOverFallingBehind() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7)
			.oldestIds(100, 100, 100, 100, 100, 100)
			.backlogs(10, 11, 12, 13, 14, 15)
			.build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.HEAD_OF_LINE_BLOCKED);
			assertThat(reason.row()).isEqualTo(row(100));
		});
	}

	@Test
	void noProgressTakesPrecedenceOverFallingBehind() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7)
			.backlogs(10, 11, 12, 13, 14, 15)
			.published(7, 7, 7, 7, 7, 7)
			.build();
		assertThat(this.evaluator.evaluate(window, this.leader).reasons()).extracting(BacklogReason::kind)
			.containsExactly(Kind.NO_PROGRESS);
	}

	@Test
	void noProgressTakesPrecedenceOverHeadOfLineBlocked() {
		ScopeWindow window = window().frozen(SIZE, 100, 7).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.NO_PROGRESS);
			assertThat(reason.row()).isEqualTo(row(100));
		});
	}

	@Test
	void backlogNeverShrinkingIsFallingBehind() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 12, 12, 15, 15, 20).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.WARN);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.FALLING_BEHIND);
	}

	@Test
	void anySampleCaughtUpSkipsStallAndFallingBehind() {
		ScopeWindow window = window().frozen(SIZE, 100, 7).backlogs(5, 0, 1, 2, 3, 4).build();
		assertThat(this.evaluator.evaluate(window, this.leader).status()).isEqualTo(BacklogStatus.OK);
	}

	@Test
	void backlogShrinkingOnceIsCatchingUp() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 12, 14, 13, 15, 20).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.OK);
		assertThat(evaluation.reasons()).isEmpty();
	}

	@Test
	void unknownPublishedCounterIsNeverNoProgress() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).unknownPublished().backlogs(10, 9, 9, 9, 9, 9).build();
		assertThat(this.evaluator.evaluate(window, this.leader).status()).isEqualTo(BacklogStatus.OK);
	}

	@Test
	void quarantinedRowsAreAtLeastWarnEvenWhenCaughtUp() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(3, 2, 1, 0, 0, 0).quarantined(2).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.WARN);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.QUARANTINE);
			assertThat(reason.description()).startsWith("2 rows were quarantined");
		});
	}

	@Test
	void quarantineDoesNotSoftenAStall() {
		ScopeWindow window = window().frozen(SIZE, 100, 7).quarantined(1).build();
		ScopeEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind)
			.containsExactly(Kind.NO_PROGRESS, Kind.QUARANTINE);
	}

	@Test
	void ageChecksAreOffByDefault() {
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 9, 9, 9, 9, 9).build();
		assertThat(this.evaluator.evaluate(window, this.leader).status()).isEqualTo(BacklogStatus.OK);
	}

	@Test
	void oldestRowAtLeastAgeWarnOldIsWarn() {
		BacklogEvaluator withAges = new BacklogEvaluator(BacklogSettings.defaults()
			.withWindow(SIZE)
			.withAgeWarn(Duration.ofSeconds(30))
			.withAgeError(Duration.ofMinutes(10)));
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 9, 9, 9, 9, 9).build();
		ScopeEvaluation evaluation = withAges.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.WARN);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.AGE_WARN);
	}

	@Test
	void oldestRowAtLeastAgeErrorOldIsStall() {
		BacklogEvaluator withAges = new BacklogEvaluator(BacklogSettings.defaults()
			.withWindow(SIZE)
			.withAgeWarn(Duration.ofSeconds(10))
			.withAgeError(Duration.ofSeconds(30)));
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 9, 9, 9, 9, 9).build();
		ScopeEvaluation evaluation = withAges.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.AGE_ERROR);
	}

	@Test
	void ageErrorTakesPrecedenceOverAgeWarn() {
		BacklogEvaluator withAges = new BacklogEvaluator(BacklogSettings.defaults()
			.withWindow(SIZE)
			.withAgeWarn(Duration.ofSeconds(20))
			.withAgeError(Duration.ofSeconds(40)));
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).backlogs(10, 9, 9, 9, 9, 9).build();
		ScopeEvaluation evaluation = withAges.evaluate(window, this.leader);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.AGE_ERROR);
			assertThat(reason.age()).isEqualTo(Duration.between(row(125).createTime(), END));
			assertThat(reason.description()).contains("at least the error age of 40 s");
		});
	}

	@Test
	void ageOverlayDoesNotSoftenAStop() {
		BacklogEvaluator withAges = new BacklogEvaluator(
				BacklogSettings.defaults().withWindow(SIZE).withAgeWarn(Duration.ofSeconds(1)));
		ScopeWindow window = window().moving(SIZE, 10, 100, 7).build();
		ScopeEvaluation evaluation = withAges.evaluate(window, LeaderView.noLeader(null));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STOP);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind).containsExactly(Kind.NO_LEADER, Kind.AGE_WARN);
	}

	@Test
	void overallStatusIsTheWorstOfOutboxAndTopics() {
		BacklogWindow window = new BacklogWindow(SIZE);
		long[] outboxBacklogs = { 20, 18, 16, 15, 14, 13 };
		for (int i = 0; i < SIZE; i++) {
			Instant time = START.plus(STEP.multipliedBy(i));
			OldestRow stuck = new OldestRow(100, "payments", "key-100", START.minusSeconds(1));
			OldestRow flowing = new OldestRow(200 + i, "orders", "key-" + i, time.minusSeconds(1));
			window.add(new BacklogSample(time, outboxBacklogs[i], false, stuck, 1000L + i, 0L,
					List.of(new TopicSample("orders", outboxBacklogs[i] - 3, flowing),
							new TopicSample("payments", 3, stuck)),
					2));
		}
		BacklogEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.outbox().status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.topics()).extracting(ScopeEvaluation::topic).containsExactly("orders", "payments");
		assertThat(evaluation.topics()).extracting(ScopeEvaluation::status)
			.containsExactly(BacklogStatus.OK, BacklogStatus.STALL);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.topics().get(1).reasons()).extracting(BacklogReason::kind, BacklogReason::topic)
			.containsExactly(tuple(Kind.HEAD_OF_LINE_BLOCKED, "payments"));
		assertThat(evaluation.reasons()).as("the topic's reason names the same row as the outbox's")
			.extracting(BacklogReason::kind, BacklogReason::topic)
			.containsExactly(tuple(Kind.HEAD_OF_LINE_BLOCKED, null));
	}

	@Test
	void topicReasonsAboutOtherRowsJoinTheOverallReasons() {
		BacklogWindow window = new BacklogWindow(SIZE);
		for (int i = 0; i < SIZE; i++) {
			Instant time = START.plus(STEP.multipliedBy(i));
			OldestRow flowing = new OldestRow(200 + i, "orders", "key-" + i, time.minusSeconds(1));
			OldestRow stuck = new OldestRow(300, "payments", "key-300", START.minusSeconds(1));
			window.add(new BacklogSample(time, 20 - i, false, flowing, 1000L + i, 0L,
					List.of(new TopicSample("orders", 17 - i, flowing), new TopicSample("payments", 3, stuck)), 2));
		}
		BacklogEvaluation evaluation = this.evaluator.evaluate(window, this.leader);
		assertThat(evaluation.outbox().status()).isEqualTo(BacklogStatus.OK);
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STALL);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.HEAD_OF_LINE_BLOCKED);
			assertThat(reason.topic()).isEqualTo("payments");
			assertThat(reason.row().id()).isEqualTo(300);
		});
	}

	@Test
	void everyTopicInheritsTheStopButItIsReportedOnce() {
		BacklogWindow window = new BacklogWindow(SIZE);
		for (int i = 0; i < SIZE; i++) {
			Instant time = START.plus(STEP.multipliedBy(i));
			OldestRow orders = new OldestRow(100, "orders", "a", START);
			OldestRow payments = new OldestRow(101, "payments", "b", START);
			window.add(new BacklogSample(time, 10, false, orders, 1000L, 0L,
					List.of(new TopicSample("orders", 5, orders), new TopicSample("payments", 5, payments)), 2));
		}
		BacklogEvaluation evaluation = this.evaluator.evaluate(window, LeaderView.noLeader(null));
		assertThat(evaluation.topics()).extracting(ScopeEvaluation::status)
			.containsExactly(BacklogStatus.STOP, BacklogStatus.STOP);
		assertThat(evaluation.reasons()).extracting(BacklogReason::kind, BacklogReason::topic)
			.containsExactly(tuple(Kind.NO_LEADER, null));
	}

	@Test
	void topicWithABacklogStopsWithTheOutbox() {
		ScopeWindow topic = new ScopeWindow("orders", SIZE, window().moving(SIZE, 10, 100, null).build().entries());
		ScopeEvaluation evaluation = this.evaluator.evaluate(topic, LeaderView.noLeader(null));
		assertThat(evaluation.status()).isEqualTo(BacklogStatus.STOP);
		assertThat(evaluation.reasons()).singleElement().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.NO_LEADER);
			assertThat(reason.topic()).isEqualTo("orders");
		});
	}

	private static WindowBuilder window() {
		return new WindowBuilder();
	}

	private static OldestRow row(long id) {
		return new OldestRow(id, "orders", "key-" + id, START.minusSeconds(1));
	}

	/**
	 * Builds a window of {@link #SIZE} from a base pattern with columns overridden.
	 */
	private static final class WindowBuilder {

		private final List<Long> backlogs = new ArrayList<>();

		private final List<@Nullable Long> oldestIds = new ArrayList<>();

		private final List<@Nullable Long> published = new ArrayList<>();

		private @Nullable Long quarantined;

		/**
		 * Samples where nothing moves: same backlog, same oldest row, same counter.
		 */
		WindowBuilder frozen(int samples, long oldestId, long counter) {
			for (int i = 0; i < samples; i++) {
				this.backlogs.add(10L);
				this.oldestIds.add(oldestId);
				this.published.add(counter);
			}
			return this;
		}

		/**
		 * Samples where rows flow: the oldest row and the counter move at every sample.
		 */
		WindowBuilder moving(int samples, long backlog, long firstOldestId, @Nullable Integer firstCounter) {
			for (int i = 0; i < samples; i++) {
				this.backlogs.add(backlog);
				this.oldestIds.add(firstOldestId + i * 5L);
				this.published.add((firstCounter != null) ? firstCounter + i * 5L : null);
			}
			return this;
		}

		WindowBuilder then(long backlog, @Nullable Long oldestId, long counter) {
			this.backlogs.add(backlog);
			this.oldestIds.add(oldestId);
			this.published.add(counter);
			return this;
		}

		WindowBuilder backlogs(long... values) {
			for (int i = 0; i < values.length; i++) {
				this.backlogs.set(i, values[i]);
			}
			return this;
		}

		WindowBuilder oldestIds(long... values) {
			for (int i = 0; i < values.length; i++) {
				this.oldestIds.set(i, values[i]);
			}
			return this;
		}

		WindowBuilder published(long... values) {
			for (int i = 0; i < values.length; i++) {
				this.published.set(i, values[i]);
			}
			return this;
		}

		WindowBuilder unknownPublished() {
			this.published.replaceAll((value) -> null);
			return this;
		}

		WindowBuilder quarantined(long value) {
			this.quarantined = value;
			return this;
		}

		ScopeWindow build() {
			int count = this.backlogs.size();
			List<BacklogEntry> entries = new ArrayList<>();
			// The newest sample always falls on END, so that a full window spans START to END.
			Instant first = END.minus(STEP.multipliedBy(count - 1));
			for (int i = 0; i < count; i++) {
				long backlog = this.backlogs.get(i);
				Long oldestId = this.oldestIds.get(i);
				OldestRow oldest = (backlog > 0 && oldestId != null) ? row(oldestId) : null;
				entries.add(new BacklogEntry(first.plus(STEP.multipliedBy(i)), backlog, oldest, this.published.get(i),
						this.quarantined));
			}
			return new ScopeWindow(null, SIZE, entries);
		}

	}

}
