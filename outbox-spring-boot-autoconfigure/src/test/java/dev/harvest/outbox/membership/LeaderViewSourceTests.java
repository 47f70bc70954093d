package dev.harvest.outbox.membership;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.dao.QueryTimeoutException;

import dev.harvest.outbox.backlog.LeaderView;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LeaderViewSource}.
 */
class LeaderViewSourceTests {

	private static final Instant ACQUIRED = Instant.parse("2026-03-01T11:00:00Z");

	private static final Instant MARKED = Instant.parse("2026-03-01T11:59:55Z");

	private static final Instant LOCAL_MARK = Instant.parse("2026-03-01T11:59:59Z");

	private final AtomicBoolean localLeader = new AtomicBoolean();

	private final AtomicReference<LeaderView> membership = new AtomicReference<>(LeaderView.unknown());

	private final AtomicReference<@Nullable LeaderRecord> record = new AtomicReference<>(
			new LeaderRecord(3, "pod-b", UUID.randomUUID(), ACQUIRED, MARKED));

	private final AtomicInteger reads = new AtomicInteger();

	private final LeaderViewSource source = new LeaderViewSource(this.localLeader::get, () -> LOCAL_MARK,
			this.membership::get, (groupId) -> {
				this.reads.incrementAndGet();
				assertThat(groupId).isEqualTo("orders");
				return this.record.get();
			}, "orders");

	@Test
	void localLeaderIsJudgedByItsOwnMarksWithoutReadingTheRow() {
		this.localLeader.set(true);
		assertThat(this.source.get()).isEqualTo(LeaderView.leader(null, LOCAL_MARK));
		assertThat(this.reads).hasValue(0);
	}

	@Test
	void remoteLeaderIsJudgedByTheMarkItRecorded() {
		this.membership.set(LeaderView.leader(ACQUIRED, null));
		assertThat(this.source.get()).isEqualTo(LeaderView.leader(ACQUIRED, MARKED));
	}

	@Test
	void groupWithoutLeaderNeedsNoRow() {
		LeaderView noLeader = LeaderView.noLeader(ACQUIRED);
		this.membership.set(noLeader);
		assertThat(this.source.get()).isSameAs(noLeader);
		assertThat(this.reads).hasValue(0);
	}

	@Test
	void withoutMembershipTheRowAloneTellsWhenALeaderLastMarked() {
		assertThat(this.source.get()).isEqualTo(LeaderView.leader(ACQUIRED, MARKED));
	}

	@Test
	void leaderThatNeverRecordedAMarkIsNotJudgedByMarks() {
		this.record.set(new LeaderRecord(3, "pod-b", UUID.randomUUID(), ACQUIRED, null));
		assertThat(this.source.get()).isEqualTo(LeaderView.unknown());
		this.membership.set(LeaderView.leader(ACQUIRED, null));
		assertThat(this.source.get()).isEqualTo(LeaderView.leader(ACQUIRED, null));
	}

	@Test
	void failedReadOfTheRowLeavesTheMarkUnknown() {
		LeaderViewSource failing = new LeaderViewSource(() -> false, () -> null,
				() -> LeaderView.leader(ACQUIRED, null), (groupId) -> {
					throw new QueryTimeoutException("slow");
				}, "orders");
		assertThat(failing.get()).isEqualTo(LeaderView.leader(ACQUIRED, null));
	}

}
