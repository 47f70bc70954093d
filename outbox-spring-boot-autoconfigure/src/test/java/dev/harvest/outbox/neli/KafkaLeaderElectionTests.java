package dev.harvest.outbox.neli;

import java.time.Duration;

import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.neli.FakeElectionClients.RecordingConsumer;
import dev.harvest.outbox.neli.RecordingListener.Kind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link KafkaLeaderElection} on a mock consumer: the election thread's handling of
 * rebalances, failures and closing.
 */
class KafkaLeaderElectionTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final NeliConfig config = new NeliConfig("group", "group.neli", "pod-1", Duration.ofMillis(1),
			Duration.ofMillis(20), Duration.ofMillis(250), Duration.ofMillis(500));

	private final FakeElectionClients clients = new FakeElectionClients("group.neli");

	private final RecordingListener listener = new RecordingListener("pod-1");

	private final KafkaLeaderElection election = new KafkaLeaderElection(this.config, this.clients);

	@AfterEach
	void closeElection() {
		this.election.close(Duration.ofSeconds(5));
	}

	@Test
	void assignedPartitionZeroLeadsOnANamedThreadWhileHeartbeatsComeBack() {
		this.election.start(this.listener);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		assertThat(this.election.isLeader()).isFalse();
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(() -> this.listener.count(Kind.ACQUIRED) == 1);
		assertThat(this.election.hasValidLease()).isTrue();
		assertThat(Thread.getAllStackTraces().keySet()).anyMatch((thread) -> "harvest-neli-pod-1".equals(thread.getName()));
		await().atMost(WAIT).until(() -> this.election.lastHeartbeat() != null);
		assertThat(this.election.termNonce()).isNotNull();
		assertThat(this.election.leaderSince()).isNotNull();
		await().during(Duration.ofMillis(1500)).atMost(WAIT).until(this.election::hasValidLease);
		assertThat(this.listener.events()).extracting(RecordingListener.Event::kind).containsExactly(Kind.ACQUIRED);
	}

	@Test
	void missingHeartbeatsFenceAndReturningOnesResume() {
		this.election.start(this.listener);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(this.election::hasValidLease);
		this.clients.heartbeatsReturn(false);
		await().atMost(WAIT).until(this.election::isFenced);
		assertThat(this.election.hasValidLease()).isFalse();
		assertThat(this.election.isLeader()).isFalse();
		this.clients.heartbeatsReturn(true);
		await().atMost(WAIT).until(() -> this.listener.count(Kind.ACQUIRED) == 2);
		assertThat(this.election.hasValidLease()).isTrue();
		assertThat(this.listener.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.FENCED, Kind.ACQUIRED);
	}

	@Test
	void revokedPartitionZeroEndsLeadershipAndHeartbeats() {
		this.election.start(this.listener);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(this.election::isLeader);
		this.clients.revokePartitionZero();
		await().atMost(WAIT).until(() -> this.listener.count(Kind.REVOKED) == 1);
		assertThat(this.election.isLeader()).isFalse();
		assertThat(this.election.termNonce()).isNull();
		int sent = this.clients.heartbeatsSent();
		await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> this.clients.heartbeatsSent() == sent);
	}

	@Test
	void lostPartitionZeroFencesTheLeader() {
		this.election.start(this.listener);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(this.election::isLeader);
		this.clients.losePartitionZero();
		await().atMost(WAIT).until(() -> this.listener.count(Kind.FENCED) == 1);
		assertThat(this.listener.last(Kind.FENCED).reason()).contains("lost");
		assertThat(this.election.isLeader()).isFalse();
		assertThat(this.election.isFenced()).isFalse();
	}

	@Test
	void failingConsumerFencesTheLeaderAndIsReplaced() {
		this.election.start(this.listener);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(this.election::isLeader);
		RecordingConsumer first = this.clients.currentConsumer();
		first.setPollException(new KafkaException("broker says no"));
		await().atMost(WAIT).until(() -> this.listener.count(Kind.FENCED) == 1);
		assertThat(this.election.isLeader()).isFalse();
		assertThat(this.listener.last(Kind.FENCED).reason()).contains("broker says no");
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 2);
		assertThat(first.closed()).isTrue();
		assertThat(this.clients.topicChecks()).isEqualTo(2);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(() -> this.listener.count(Kind.ACQUIRED) == 2);
		assertThat(this.election.isLeader()).isTrue();
	}

	@Test
	void unavailableLeaderTopicIsRetried() {
		this.clients.failTopicChecks(2);
		this.election.start(this.listener);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		assertThat(this.clients.topicChecks()).isEqualTo(3);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(this.election::hasValidLease);
	}

	@Test
	void throwingListenerDoesNotStopTheElection() {
		RecordingListener throwing = new RecordingListener("pod-1").throwing();
		this.election.start(throwing);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(this.election::hasValidLease);
		this.clients.heartbeatsReturn(false);
		await().atMost(WAIT).until(this.election::isFenced);
		this.clients.heartbeatsReturn(true);
		await().atMost(WAIT).until(() -> throwing.count(Kind.ACQUIRED) == 2);
		assertThat(this.clients.consumerCount()).as("the consumer was not recreated").isOne();
		assertThat(throwing.events()).extracting(RecordingListener.Event::kind)
			.containsExactly(Kind.ACQUIRED, Kind.FENCED, Kind.ACQUIRED);
	}

	@Test
	void closeRevokesLeadershipBeforeLeavingTheGroupAndIsIdempotent() {
		this.election.start(this.listener);
		await().atMost(WAIT).until(() -> this.clients.consumerCount() == 1);
		this.clients.assignPartitionZero();
		await().atMost(WAIT).until(this.election::isLeader);
		RecordingConsumer consumer = this.clients.currentConsumer();
		this.election.close(Duration.ofSeconds(5));
		assertThat(this.election.isLeader()).isFalse();
		assertThat(consumer.closed()).isTrue();
		assertThat(this.clients.senderClosed()).isTrue();
		assertThat(this.listener.last(Kind.REVOKED).nanos()).isLessThan(consumer.closedAtNanos());
		assertThat(Thread.getAllStackTraces().keySet()).noneMatch((thread) -> "harvest-neli-pod-1".equals(thread.getName()));
		this.election.close(Duration.ofSeconds(5));
		assertThat(this.listener.count(Kind.REVOKED)).isOne();
	}

	@Test
	void electionStartsOnceAndNotAfterClose() {
		this.election.start(this.listener);
		assertThatIllegalStateException().isThrownBy(() -> this.election.start(this.listener))
			.withMessageContaining("already started");
		KafkaLeaderElection closed = new KafkaLeaderElection(this.config, new FakeElectionClients("group.neli"));
		closed.close(Duration.ofSeconds(1));
		assertThatIllegalStateException().isThrownBy(() -> closed.start(this.listener))
			.withMessageContaining("closed");
	}

	@Test
	void heartbeatTimeoutMustExceedMinPollInterval() {
		NeliConfig invalid = new NeliConfig("group", "group.neli", "pod-1", Duration.ofMillis(1),
				Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(500));
		assertThatIllegalArgumentException().isThrownBy(() -> new KafkaLeaderElection(invalid, this.clients))
			.withMessageContaining("heartbeatTimeout");
	}

}
