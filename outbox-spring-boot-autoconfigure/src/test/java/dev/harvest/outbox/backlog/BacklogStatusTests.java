package dev.harvest.outbox.backlog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link BacklogStatus}.
 */
class BacklogStatusTests {

	@Test
	void codesAreBurrows() {
		assertThat(BacklogStatus.NOTFOUND.code()).isZero();
		assertThat(BacklogStatus.OK.code()).isOne();
		assertThat(BacklogStatus.WARN.code()).isEqualTo(2);
		assertThat(BacklogStatus.STOP.code()).isEqualTo(4);
		assertThat(BacklogStatus.STALL.code()).isEqualTo(5);
	}

	@Test
	void stopIsWorseThanStallWhichIsWorseThanWarn() {
		assertThat(BacklogStatus.worst(BacklogStatus.STALL, BacklogStatus.STOP)).isEqualTo(BacklogStatus.STOP);
		assertThat(BacklogStatus.worst(BacklogStatus.STALL, BacklogStatus.WARN)).isEqualTo(BacklogStatus.STALL);
		assertThat(BacklogStatus.worst(BacklogStatus.OK, BacklogStatus.WARN)).isEqualTo(BacklogStatus.WARN);
		assertThat(BacklogStatus.worst(BacklogStatus.NOTFOUND, BacklogStatus.OK)).isEqualTo(BacklogStatus.OK);
	}

	@Test
	void onlyWarnStallAndStopAreAlerts() {
		assertThat(BacklogStatus.values()).filteredOn(BacklogStatus::isAlert)
			.containsExactlyInAnyOrder(BacklogStatus.WARN, BacklogStatus.STALL, BacklogStatus.STOP);
	}

}
