package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.neli.RecordingListener.Kind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Leadership}: terms, heartbeat read-back, fencing and the lease, on a fake
 * clock.
 */
class LeadershipTests {

	private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(5);

	private final NeliConfig config = new NeliConfig("group", "group.neli", "pod-1", Duration.ofMillis(1),
			Duration.ofMillis(100), Duration.ofMillis(2500), HEARTBEAT_TIMEOUT);

	private final FakeTime time = new FakeTime();

	private final RecordingListener listener = new RecordingListener("pod-1");

	private final Leadership leadership = new Leadership(this.config, this.time, this.time::nanoTime);

	LeadershipTests() {
		this.leadership.listener(this.listener);
	}

	@Test
	void assignmentMakesLeaderWithAFreshTermAndValidLease() {
		assertThat(this.leadership.isLeader()).isFalse();
		assertThat(this.leadership.nextHeartbeat()).isNull();
		this.leadership.assigned();
		assertThat(this.leadership.isLeader()).isTrue();
		assertThat(this.leadership.hasValidLease()).isTrue();
		assertThat(this.leadership.term()).isNotNull();
		assertThat(this.leadership.leaderSince()).isEqualTo(this.time.instant());
		assertThat(this.listener.count(Kind.ACQUIRED)).isOne();
		this.leadership.assigned();
		assertThat(this.listener.count(Kind.ACQUIRED)).as("assigned again without a revoke").isOne();
	}

	@Test
	void ownHeartbeatsReadBackKeepTheLease() {
		this.leadership.assigned();
		for (int i = 0; i < 10; i++) {
			Heartbeat heartbeat = this.leadership.nextHeartbeat();
			this.time.advance(Duration.ofSeconds(1));
			assertThat(readBack(heartbeat)).isTrue();
			this.leadership.polled();
		}
		assertThat(this.leadership.hasValidLease()).isTrue();
		assertThat(this.leadership.isLeader()).isTrue();
		assertThat(this.leadership.lastHeartbeat()).isEqualTo(this.time.instant().minusSeconds(1));
		assertThat(this.listener.count(Kind.FENCED)).isZero();
	}

	@Test
	void leaderWithoutOwnHeartbeatForTheTimeoutIsFencedOnce() {
		this.leadership.assigned();
		this.time.advance(HEARTBEAT_TIMEOUT);
		this.leadership.polled();
		assertThat(this.leadership.isLeader()).isTrue();
		this.time.advance(Duration.ofMillis(1));
		assertThat(this.leadership.hasValidLease()).as("lease lapses before the fence check runs").isFalse();
		this.leadership.polled();
		this.leadership.polled();
		assertThat(this.leadership.isLeader()).isFalse();
		assertThat(this.leadership.isFenced()).isTrue();
		assertThat(this.leadership.leaderSince()).isNull();
		assertThat(this.listener.count(Kind.FENCED)).isOne();
		assertThat(this.listener.last(Kind.FENCED).reason()).contains("heartbeat timeout 5000 ms");
	}

	@Test
	void ownHeartbeatAfterFenceResumesLeadershipInANewTerm() {
		this.leadership.assigned();
		this.time.advance(HEARTBEAT_TIMEOUT.plusMillis(1));
		this.leadership.polled();
		UUID fencedTerm = this.leadership.term();
		Heartbeat heartbeat = this.leadership.nextHeartbeat();
		assertThat(heartbeat).as("a fenced leader keeps sending").isNotNull();
		this.time.advance(Duration.ofMillis(100));
		assertThat(readBack(heartbeat)).isTrue();
		assertThat(this.leadership.isLeader()).isTrue();
		assertThat(this.leadership.hasValidLease()).isTrue();
		assertThat(this.leadership.term()).isNotNull().isNotEqualTo(fencedTerm);
		assertThat(this.listener.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.FENCED, Kind.ACQUIRED);
	}

	@Test
	void leaderFencedForLongerThanTheSessionTimeoutGivesUpItsTermAndAsksToRejoin() {
		this.leadership.assigned();
		this.time.advance(HEARTBEAT_TIMEOUT.plusMillis(1));
		assertThat(this.leadership.polled()).isFalse();
		assertThat(this.leadership.isFenced()).isTrue();
		Heartbeat beforeEviction = this.leadership.nextHeartbeat();
		this.time.advance(this.config.sessionTimeout().minus(HEARTBEAT_TIMEOUT).minusMillis(1));
		assertThat(this.leadership.polled()).as("fenced for exactly the session timeout").isFalse();
		this.time.advance(Duration.ofMillis(1));
		assertThat(this.leadership.polled()).isTrue();
		assertThat(this.leadership.isFenced()).isFalse();
		assertThat(this.leadership.isLeader()).isFalse();
		assertThat(this.leadership.term()).isNull();
		assertThat(this.leadership.nextHeartbeat()).isNull();
		assertThat(readBack(beforeEviction)).as("a heartbeat of the given-up term").isFalse();
		assertThat(this.leadership.polled()).as("asks once").isFalse();
		assertThat(this.listener.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.FENCED);
	}

	@Test
	void fencedLeaderResumesOnlyOnAHeartbeatWellWithinTheTimeout() {
		this.leadership.assigned();
		this.time.advance(HEARTBEAT_TIMEOUT.plusMillis(1));
		this.leadership.polled();
		Heartbeat late = this.leadership.nextHeartbeat();
		this.time.advance(HEARTBEAT_TIMEOUT.dividedBy(2).plusMillis(1));
		readBack(late);
		assertThat(this.leadership.isFenced()).isTrue();
		Heartbeat prompt = this.leadership.nextHeartbeat();
		this.time.advance(HEARTBEAT_TIMEOUT.dividedBy(2));
		assertThat(readBack(prompt)).isTrue();
		assertThat(this.leadership.isLeader()).isTrue();
	}

	@Test
	void staleHeartbeatsAreRejected() {
		this.leadership.assigned();
		Heartbeat heartbeat = this.leadership.nextHeartbeat();
		this.time.advance(HEARTBEAT_TIMEOUT.plusMillis(1));
		assertThat(readBack(heartbeat)).as("sent too long ago").isFalse();
		Heartbeat fresh = this.leadership.nextHeartbeat();
		assertThat(this.leadership.readBack(fresh.key(), fresh.value(),
				this.time.millis() - HEARTBEAT_TIMEOUT.toMillis() - 1))
			.as("record timestamp too old")
			.isFalse();
		assertThat(readBack(fresh)).isTrue();
	}

	@Test
	void heartbeatsOfOthersAndOfOtherTermsAreRejected() {
		this.leadership.assigned();
		Heartbeat own = this.leadership.nextHeartbeat();
		UUID term = own.term();
		assertThat(readBack(new Heartbeat("group", "pod-2", term, 0, this.time.millis(), this.time.nanoTime())))
			.isFalse();
		assertThat(readBack(new Heartbeat("other-group", "pod-1", term, 0, this.time.millis(), this.time.nanoTime())))
			.isFalse();
		assertThat(readBack(
				new Heartbeat("group", "pod-1", UUID.randomUUID(), 0, this.time.millis(), this.time.nanoTime())))
			.isFalse();
		assertThat(this.leadership.readBack("group".getBytes(), "garbage".getBytes(), this.time.millis())).isFalse();
		this.leadership.revoked();
		this.leadership.assigned();
		assertThat(readBack(own)).as("heartbeat of the previous term").isFalse();
	}

	@Test
	void leaseNeedsRecentPolls() {
		this.leadership.assigned();
		this.time.advance(Duration.ofMillis(2400));
		assertThat(this.leadership.hasValidLease()).isTrue();
		this.time.advance(Duration.ofMillis(200));
		assertThat(this.leadership.hasValidLease()).isFalse();
		this.leadership.polled();
		assertThat(this.leadership.hasValidLease()).isTrue();
	}

	@Test
	void revokeEndsTheTermOnce() {
		this.leadership.assigned();
		this.leadership.revoked();
		this.leadership.revoked();
		this.leadership.closing();
		assertThat(this.leadership.isLeader()).isFalse();
		assertThat(this.leadership.term()).isNull();
		assertThat(this.leadership.nextHeartbeat()).isNull();
		assertThat(this.listener.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.REVOKED);
	}

	@Test
	void closingLeaderIsRevokedAndFencedLeaderToo() {
		this.leadership.assigned();
		this.leadership.closing();
		this.leadership.assigned();
		this.time.advance(HEARTBEAT_TIMEOUT.plusMillis(1));
		this.leadership.polled();
		this.leadership.closing();
		assertThat(this.listener.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.REVOKED, Kind.ACQUIRED, Kind.FENCED, Kind.REVOKED);
	}

	@Test
	void lostPartitionFencesALeaderButNotAFencedOne() {
		this.leadership.assigned();
		this.leadership.lost("gone");
		assertThat(this.leadership.isLeader()).isFalse();
		assertThat(this.leadership.isFenced()).isFalse();
		this.leadership.assigned();
		this.time.advance(HEARTBEAT_TIMEOUT.plusMillis(1));
		this.leadership.polled();
		this.leadership.lost("gone again");
		assertThat(this.leadership.isFenced()).isFalse();
		assertThat(this.listener.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.FENCED, Kind.ACQUIRED, Kind.FENCED);
		assertThat(this.listener.events().get(1).reason()).isEqualTo("gone");
	}

	@Test
	void throwingListenerDoesNotStopTransitions() {
		Leadership withThrowingListener = new Leadership(this.config, this.time, this.time::nanoTime);
		RecordingListener throwing = new RecordingListener("pod-1").throwing();
		withThrowingListener.listener(throwing);
		withThrowingListener.assigned();
		assertThat(withThrowingListener.isLeader()).isTrue();
		this.time.advance(HEARTBEAT_TIMEOUT.plusMillis(1));
		withThrowingListener.polled();
		assertThat(withThrowingListener.isFenced()).isTrue();
		withThrowingListener.revoked();
		assertThat(withThrowingListener.term()).isNull();
		assertThat(throwing.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.FENCED, Kind.REVOKED);
	}

	private boolean readBack(Heartbeat heartbeat) {
		return this.leadership.readBack(heartbeat.key(), heartbeat.value(), heartbeat.sentAtMillis());
	}

}
