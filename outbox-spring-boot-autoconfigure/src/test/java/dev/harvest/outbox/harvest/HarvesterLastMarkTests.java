package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the leader's last mark time: kept by the harvester for its own backlog view and
 * written to the epoch row at most once per interval for the other instances.
 */
class HarvesterLastMarkTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final Duration INTERVAL = Duration.ofMillis(300);

	@Test
	void idleLeaderKeepsMarkingAndRecordsItInTheEpochRowAtMostOncePerInterval() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.harvester.setMarkRecordingInterval(INTERVAL);
			long start = System.nanoTime();
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.store.recordedMarks().size() >= 3);
			int recorded = fixture.store.recordedMarks().size();
			long elapsed = System.nanoTime() - start;
			assertThat(fixture.store.recordedMarks()).containsOnly(1L);
			assertThat((long) recorded).as("at most one write per interval, however often it marks")
				.isLessThanOrEqualTo(elapsed / INTERVAL.toNanos() + 1);
			assertThat(fixture.store.markCount()).isGreaterThan(recorded * 2);
			assertThat(fixture.harvester.lastMarkTime()).isNotNull();
		}
	}

	@Test
	void newEpochIsRecordedAtItsFirstMark() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.harvester.setMarkRecordingInterval(Duration.ofHours(1));
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.store.recordedMarks().size() == 1);
			fixture.election.fence("heartbeat lost").get(5, TimeUnit.SECONDS);
			fixture.lead();
			await().atMost(WAIT).until(() -> fixture.store.recordedMarks().size() == 2);
			assertThat(fixture.store.recordedMarks()).containsExactly(1L, 2L);
		}
	}

	@Test
	void pausedLeaderStopsMarkingSoItsLastMarkTimeStandsStill() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.harvester.lastMarkTime() != null);
			fixture.harvester.pause();
			// A mark already under way may still finish.
			await().atMost(WAIT).until(() -> {
				Instant before = fixture.harvester.lastMarkTime();
				Thread.sleep(100);
				return before.equals(fixture.harvester.lastMarkTime());
			});
			Instant paused = fixture.harvester.lastMarkTime();
			await().during(Duration.ofMillis(300)).atMost(WAIT)
				.until(() -> paused.equals(fixture.harvester.lastMarkTime()));
			fixture.harvester.resume();
			await().atMost(WAIT).until(() -> fixture.harvester.lastMarkTime().isAfter(paused));
		}
	}

	@Test
	void withoutAnIntervalNothingIsWrittenButTheTimeIsKept() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			assertThat(fixture.harvester.lastMarkTime()).isNull();
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.store.markCount() > 5);
			assertThat(fixture.harvester.lastMarkTime()).isNotNull();
			assertThat(fixture.store.recordedMarks()).isEmpty();
		}
	}

	@Test
	void intervalIsSetBeforeTheHarvesterStartsAndMustBePositive() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			assertThatIllegalArgumentException().isThrownBy(() -> fixture.harvester.setMarkRecordingInterval(Duration.ZERO))
				.withMessageContaining("'interval' must be positive");
			fixture.startLeading();
			assertThatIllegalStateException().isThrownBy(() -> fixture.harvester.setMarkRecordingInterval(INTERVAL))
				.withMessageContaining("can only be set before it starts");
		}
	}

}
