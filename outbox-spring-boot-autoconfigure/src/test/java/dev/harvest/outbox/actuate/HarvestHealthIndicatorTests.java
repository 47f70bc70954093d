package dev.harvest.outbox.actuate;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Status;

import dev.harvest.outbox.backlog.BacklogStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for how {@link HarvestHealthIndicator} maps the backlog status while the harvester
 * runs.
 */
class HarvestHealthIndicatorTests {

	@Test
	void drainingOutboxIsUp() {
		assertThat(HarvestHealthIndicator.status(BacklogStatus.OK)).isEqualTo(Status.UP);
	}

	@Test
	void warningIsStillUp() {
		assertThat(HarvestHealthIndicator.status(BacklogStatus.WARN)).isEqualTo(Status.UP);
	}

	@Test
	void stalledOrStoppedOutboxIsDown() {
		assertThat(HarvestHealthIndicator.status(BacklogStatus.STALL)).isEqualTo(Status.DOWN);
		assertThat(HarvestHealthIndicator.status(BacklogStatus.STOP)).isEqualTo(Status.DOWN);
	}

	@Test
	void nothingToJudgeIsUnknown() {
		assertThat(HarvestHealthIndicator.status(BacklogStatus.NOTFOUND)).isEqualTo(Status.UNKNOWN);
	}

}
