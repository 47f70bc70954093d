package dev.harvest.outbox.backlog;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.backlog.BacklogReason.Kind;
import dev.harvest.outbox.harvest.event.HarvestEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import dev.harvest.outbox.test.MutableClock;

/**
 * Tests for {@link BacklogMonitor}, sampling a scripted outbox on the test thread with a clock
 * that moves by one sample interval at a time.
 */
class BacklogMonitorTests {

	private static final Duration INTERVAL = Duration.ofSeconds(10);

	private static final BacklogSettings SETTINGS = BacklogSettings.defaults()
		.withSampleInterval(INTERVAL)
		.withWindow(4)
		.withRenotifyInterval(Duration.ofMinutes(1));

	private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));

	private final ScriptedOutbox outbox = new ScriptedOutbox(this.clock);

	private final List<BacklogStatusChanged> events = new CopyOnWriteArrayList<>();

	private final AtomicReference<LeaderView> leader = new AtomicReference<>(LeaderView.unknown());

	private final BacklogMonitor monitor = new BacklogMonitor("test", this.outbox, SETTINGS, this.leader::get,
			this::record, this.clock);

	@AfterEach
	void closeMonitor() {
		this.monitor.close();
	}

	@Test
	void reportIsNotFoundBeforeTheFirstSample() {
		BacklogReport report = this.monitor.report();
		assertThat(report.status()).isEqualTo(BacklogStatus.NOTFOUND);
		assertThat(report.sampledAt()).isNull();
		assertThat(report.window().size()).isEqualTo(4);
		assertThat(report.window().filled()).isZero();
	}

	@Test
	void healthyStartIsNotNews() {
		steps(6);
		assertThat(this.events).isEmpty();
		BacklogReport report = this.monitor.report();
		assertThat(report.status()).isEqualTo(BacklogStatus.OK);
		assertThat(report.complete()).isEqualTo(1.0);
		assertThat(report.sampledAt()).isEqualTo(this.clock.instant());
	}

	@Test
	void statusChangesAreReportedWithTheirReasons() {
		this.outbox.growing();
		steps(2);
		assertThat(this.events).extracting(BacklogStatusChanged::previous, BacklogStatusChanged::current)
			.containsExactly(tuple(BacklogStatus.OK, BacklogStatus.WARN));
		assertThat(this.events.get(0).reasons()).extracting(BacklogReason::kind)
			.containsExactly(Kind.FALLING_BEHIND);
		this.outbox.frozen();
		steps(4);
		assertThat(this.events).extracting(BacklogStatusChanged::previous, BacklogStatusChanged::current)
			.containsExactly(tuple(BacklogStatus.OK, BacklogStatus.WARN),
					tuple(BacklogStatus.WARN, BacklogStatus.STALL));
		// The outbox's reasons come first; its topic adds its own view of the same stall.
		assertThat(this.events.get(1).reasons()).first().satisfies((reason) -> {
			assertThat(reason.kind()).isEqualTo(Kind.NO_PROGRESS);
			assertThat(reason.topic()).isNull();
		});
		assertThat(this.monitor.report().reasons()).first()
			.extracting(BacklogReason::kind)
			.isEqualTo(Kind.NO_PROGRESS);
	}

	@Test
	void alertIsRepeatedEveryRenotifyInterval() {
		this.outbox.growing();
		steps(2);
		assertThat(this.events).hasSize(1);
		steps(5);
		assertThat(this.events).as("50 s after the change").hasSize(1);
		steps(1);
		assertThat(this.events).hasSize(2);
		assertThat(this.events.get(1).isReminder()).isTrue();
		assertThat(this.events.get(1).current()).isEqualTo(BacklogStatus.WARN);
		steps(6);
		assertThat(this.events).hasSize(3);
	}

	@Test
	void returnToOkIsReportedOnce() {
		this.outbox.growing();
		steps(2);
		this.outbox.drained();
		steps(10);
		assertThat(this.events).extracting(BacklogStatusChanged::previous, BacklogStatusChanged::current)
			.containsExactly(tuple(BacklogStatus.OK, BacklogStatus.WARN), tuple(BacklogStatus.WARN, BacklogStatus.OK));
		assertThat(this.events.get(1).reasons()).isEmpty();
	}

	@Test
	void reportNeverQueriesTheDatabase() {
		steps(2);
		int samples = this.outbox.samples();
		for (int i = 0; i < 100; i++) {
			this.monitor.report();
		}
		assertThat(this.outbox.samples()).isEqualTo(samples);
	}

	@Test
	void failingSamplerKeepsTheStatusForAWindowThenReportsNotFound() {
		this.outbox.growing();
		steps(2);
		this.outbox.failing(true);
		steps(3);
		BacklogReport report = this.monitor.report();
		assertThat(report.status()).isEqualTo(BacklogStatus.WARN);
		assertThat(report.lastError()).contains("database is down");
		steps(1);
		assertThat(this.monitor.report().status()).isEqualTo(BacklogStatus.NOTFOUND);
		assertThat(this.events).extracting(BacklogStatusChanged::current)
			.containsExactly(BacklogStatus.WARN, BacklogStatus.NOTFOUND);

		this.outbox.failing(false);
		this.outbox.drained();
		steps(1);
		assertThat(this.monitor.report().status()).isEqualTo(BacklogStatus.OK);
		assertThat(this.monitor.report().window().filled()).as("started again after the gap").isOne();
		assertThat(this.monitor.report().lastError()).isNull();
		assertThat(this.events).extracting(BacklogStatusChanged::current)
			.containsExactly(BacklogStatus.WARN, BacklogStatus.NOTFOUND, BacklogStatus.OK);
	}

	@Test
	void notFoundAfterAnAlertIsRepeatedToo() {
		this.outbox.growing();
		steps(2);
		this.outbox.failing(true);
		steps(4);
		assertThat(this.events).extracting(BacklogStatusChanged::current)
			.containsExactly(BacklogStatus.WARN, BacklogStatus.NOTFOUND);
		steps(6);
		assertThat(this.events).extracting(BacklogStatusChanged::previous, BacklogStatusChanged::current)
			.containsExactly(tuple(BacklogStatus.OK, BacklogStatus.WARN),
					tuple(BacklogStatus.WARN, BacklogStatus.NOTFOUND),
					tuple(BacklogStatus.NOTFOUND, BacklogStatus.NOTFOUND));
	}

	@Test
	void samplerFailingFromTheStartIsNotNews() {
		this.outbox.failing(true);
		steps(6);
		assertThat(this.monitor.report().status()).isEqualTo(BacklogStatus.NOTFOUND);
		assertThat(this.monitor.report().lastError()).contains("database is down");
		assertThat(this.events).isEmpty();
	}

	@Test
	void leaderViewFeedsTheStopRule() {
		this.leader.set(LeaderView.noLeader(this.clock.instant().minus(Duration.ofHours(1))));
		this.outbox.growing();
		steps(3);
		assertThat(this.monitor.report().status()).isEqualTo(BacklogStatus.STOP);
		assertThat(this.events).extracting(BacklogStatusChanged::current).containsExactly(BacklogStatus.STOP);
		assertThat(this.events.get(0).reasons()).extracting(BacklogReason::kind).containsExactly(Kind.NO_LEADER);
	}

	@Test
	void failingLeaderViewCountsAsUnknown() {
		BacklogMonitor withBrokenView = new BacklogMonitor("broken", this.outbox, SETTINGS, () -> {
			throw new IllegalStateException("no view");
		}, this::record, this.clock);
		this.outbox.growing();
		for (int i = 0; i < 2; i++) {
			this.clock.advance(INTERVAL);
			this.outbox.advance();
			withBrokenView.sampleOnce();
		}
		assertThat(withBrokenView.report().status()).isEqualTo(BacklogStatus.WARN);
	}

	@Test
	void reportCarriesTotalsOldestRowRatesAndTopics() {
		this.outbox.growing();
		steps(4);
		BacklogReport report = this.monitor.report();
		assertThat(report.totalBacklog()).isEqualTo(this.outbox.backlog);
		assertThat(report.backlogCapped()).isFalse();
		assertThat(report.oldest().id()).isEqualTo(this.outbox.oldestId);
		assertThat(report.oldestAge()).isEqualTo(Duration.ofSeconds(5));
		assertThat(report.quarantined()).isZero();
		// 50 rows published and 60 inserted every 10 s.
		assertThat(report.publishRate()).isEqualTo(5.0);
		assertThat(report.insertRate()).isEqualTo(6.0);
		assertThat(report.window().filled()).isEqualTo(4);
		assertThat(report.window().span()).isEqualTo(Duration.ofSeconds(30));
		assertThat(report.topicCount()).isEqualTo(1);
		assertThat(report.topics()).singleElement().satisfies((topic) -> {
			assertThat(topic.topic()).isEqualTo("orders");
			assertThat(topic.status()).isEqualTo(BacklogStatus.WARN);
			assertThat(topic.backlog()).isEqualTo(this.outbox.backlog);
			assertThat(topic.complete()).isEqualTo(1.0);
		});
		assertThat(report.maxBacklog().topic()).isEqualTo("orders");
	}

	@Test
	void listenerFailureDoesNotStopTheMonitor() {
		BacklogMonitor withThrowingListener = new BacklogMonitor("throwing", this.outbox, SETTINGS,
				LeaderView::unknown, (event) -> {
					throw new IllegalStateException("listener bug");
				}, this.clock);
		this.outbox.growing();
		for (int i = 0; i < 3; i++) {
			this.clock.advance(INTERVAL);
			this.outbox.advance();
			withThrowingListener.sampleOnce();
		}
		assertThat(withThrowingListener.report().status()).isEqualTo(BacklogStatus.WARN);
		assertThat(withThrowingListener.report().window().filled()).isEqualTo(3);
	}

	@Test
	void reportObserverSeesEveryReportAndItsFailureDoesNotStopTheMonitor() {
		List<BacklogReport> reports = new CopyOnWriteArrayList<>();
		this.monitor.setReportObserver((report) -> {
			reports.add(report);
			throw new IllegalStateException("observer bug");
		});
		this.outbox.growing();
		steps(3);
		assertThat(reports).hasSize(3).last().isSameAs(this.monitor.report());
		assertThat(reports).extracting((report) -> report.window().filled()).containsExactly(1, 2, 3);
		assertThat(this.events).isNotEmpty();
	}

	@Test
	void startSamplesOnItsOwnThreadUntilClosed() {
		ScriptedOutbox live = new ScriptedOutbox(Clock.systemUTC());
		BacklogMonitor running = new BacklogMonitor("threaded", live,
				SETTINGS.withSampleInterval(Duration.ofMillis(20)), LeaderView::unknown, this::record,
				Clock.systemUTC());
		running.start();
		running.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> live.samples() >= 3);
		assertThat(running.report().status()).isEqualTo(BacklogStatus.OK);
		assertThat(threadNamed("harvest-backlog-threaded")).isTrue();
		long closeStart = System.nanoTime();
		running.close();
		assertThat(Duration.ofNanos(System.nanoTime() - closeStart)).isLessThan(BacklogMonitor.DEFAULT_CLOSE_TIMEOUT);
		assertThat(threadNamed("harvest-backlog-threaded")).isFalse();
		int samples = live.samples();
		await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> live.samples() == samples);
	}

	private void steps(int count) {
		for (int i = 0; i < count; i++) {
			this.clock.advance(INTERVAL);
			this.outbox.advance();
			this.monitor.sampleOnce();
		}
	}

	private void record(HarvestEvent event) {
		if (event instanceof BacklogStatusChanged changed) {
			this.events.add(changed);
		}
	}

	private static boolean threadNamed(String name) {
		return Thread.getAllStackTraces().keySet().stream().anyMatch((thread) -> thread.getName().equals(name));
	}

	/**
	 * An outbox whose figures follow a script, one step per sample interval.
	 */
	private static final class ScriptedOutbox implements BacklogMonitor.SampleSource {

		private final Clock clock;

		private final AtomicInteger samples = new AtomicInteger();

		private volatile Mode mode = Mode.DRAINED;

		private volatile boolean failing;

		volatile long backlog;

		volatile long oldestId = 1;

		volatile long published = 1000;

		ScriptedOutbox(Clock clock) {
			this.clock = clock;
		}

		void growing() {
			this.mode = Mode.GROWING;
			this.backlog = Math.max(this.backlog, 100);
		}

		void frozen() {
			this.mode = Mode.FROZEN;
		}

		void drained() {
			this.mode = Mode.DRAINED;
		}

		void failing(boolean failing) {
			this.failing = failing;
		}

		int samples() {
			return this.samples.get();
		}

		/**
		 * Moves the figures on by one sample interval.
		 */
		void advance() {
			switch (this.mode) {
				case GROWING -> {
					this.backlog += 10;
					this.oldestId += 50;
					this.published += 50;
				}
				case DRAINED -> {
					this.published += this.backlog;
					this.oldestId += this.backlog;
					this.backlog = 0;
				}
				case FROZEN -> {
				}
			}
		}

		@Override
		public BacklogSample sample() {
			this.samples.incrementAndGet();
			if (this.failing) {
				throw new IllegalStateException("database is down");
			}
			Instant now = this.clock.instant();
			if (this.backlog == 0) {
				return new BacklogSample(now, 0, false, null, this.published, 0L, List.of(), 0);
			}
			OldestRow oldest = new OldestRow(this.oldestId, "orders", "key-" + this.oldestId, now.minusSeconds(5));
			return new BacklogSample(now, this.backlog, false, oldest, this.published, 0L,
					List.of(new TopicSample("orders", this.backlog, oldest)), 1);
		}

		private enum Mode {

			GROWING, FROZEN, DRAINED

		}

	}

}
