package dev.harvest.outbox.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link HarvestComponentLifecycle}.
 */
class HarvestComponentLifecycleTests {

	private final List<String> calls = new ArrayList<>();

	@Test
	void startsTheComponentAndClosesItOnStopInItsPhase() {
		HarvestComponentLifecycle lifecycle = new HarvestComponentLifecycle(() -> this.calls.add("start"),
				() -> this.calls.add("close"), 42);
		assertThat(lifecycle.getPhase()).isEqualTo(42);
		assertThat(lifecycle.isAutoStartup()).isTrue();
		assertThat(lifecycle.isRunning()).isFalse();
		lifecycle.start();
		assertThat(lifecycle.isRunning()).isTrue();
		lifecycle.stop();
		assertThat(lifecycle.isRunning()).isFalse();
		assertThat(this.calls).containsExactly("start", "close");
	}

	@Test
	void failureToCloseIsReportedAndLeavesItStopped() {
		HarvestComponentLifecycle lifecycle = new HarvestComponentLifecycle(() -> {
		}, () -> {
			throw new Exception("stuck");
		}, 0);
		lifecycle.start();
		assertThatIllegalStateException().isThrownBy(lifecycle::stop).withRootCauseInstanceOf(Exception.class);
		assertThat(lifecycle.isRunning()).isFalse();
	}

}
