package dev.harvest.outbox.harvest;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.jdbc.QuarantineActionResult.Action;
import dev.harvest.outbox.jdbc.QuarantineEntry;

import static dev.harvest.outbox.harvest.HarvesterFixture.GROUP;
import static dev.harvest.outbox.harvest.HarvesterFixture.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link QuarantineActions}.
 */
class QuarantineActionsTests {

	@Test
	void actionsAreCountedOnlyWhenTheyWereCarriedOut() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long epoch = fixture.store.acquireEpoch(GROUP, "former", UUID.randomUUID());
			long a = fixture.store.insert(TOPIC, "a", "1");
			long b = fixture.store.insert(TOPIC, "b", "1");
			fixture.store.quarantine(GROUP, epoch, a, entry());
			fixture.store.quarantine(GROUP, epoch, b, entry());
			QuarantineActions actions = new QuarantineActions(fixture.store, fixture.harvester);

			assertThat(actions.retry(a).ids()).containsExactly(a);
			assertThatIllegalArgumentException().isThrownBy(() -> actions.retry(a));
			assertThat(actions.release(TOPIC, "b").ids()).containsExactly(b);

			assertThat(actions.count(Action.RETRY)).isOne();
			assertThat(actions.count(Action.RELEASE)).isOne();
			assertThat(actions.count(Action.REPLAY)).isZero();
			assertThat(fixture.store.ids()).containsExactly(a);
			assertThat(fixture.store.heldKeys()).isEmpty();
		}
	}

	private static QuarantineEntry entry() {
		return new QuarantineEntry(3, Instant.now(), Instant.now(), "too large", null, PoisonPolicy.HOLD_KEY);
	}

}
