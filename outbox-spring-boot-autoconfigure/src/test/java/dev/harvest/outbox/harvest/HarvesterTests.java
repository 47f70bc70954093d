package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.kafka.mock.MockProducerFactory;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.harvest.event.HarvestEvent;
import dev.harvest.outbox.harvest.event.KeyHeld;
import dev.harvest.outbox.harvest.event.KeyReleased;
import dev.harvest.outbox.harvest.event.LeaderAcquired;
import dev.harvest.outbox.harvest.event.LeaderFenced;
import dev.harvest.outbox.harvest.event.LeaderRefreshed;
import dev.harvest.outbox.harvest.event.LeaderRevoked;
import dev.harvest.outbox.harvest.event.MeterRead;
import dev.harvest.outbox.harvest.event.RecordPublishFailed;
import dev.harvest.outbox.harvest.event.RecordQuarantined;
import dev.harvest.outbox.jdbc.HeldKey;
import dev.harvest.outbox.jdbc.QuarantineEntry;

import static dev.harvest.outbox.harvest.HarvesterFixture.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Harvester} with an in-memory outbox, a driven election and mock producers.
 */
class HarvesterTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final Duration QUIET = Duration.ofMillis(200);

	@Test
	void sendsOneRecordOfAKeyAtATimeInIdOrder() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			List<Long> ids = new ArrayList<>();
			for (int i = 0; i < 10; i++) {
				ids.add(fixture.store.insert(TOPIC, "k", "v" + i));
			}
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			for (int i = 1; i <= 10; i++) {
				int sent = i;
				await().atMost(WAIT).until(() -> producer.history().size() == sent);
				await().during(Duration.ofMillis(30)).atMost(WAIT).until(() -> producer.history().size() == sent);
				assertThat(fixture.harvester.inFlightRecords()).isOne();
				assertThat(fixture.harvester.inFlightRecordKeys()).containsExactly("k");
				assertThat(producer.completeNext()).isTrue();
			}
			assertThat(fixture.sentIds()).isEqualTo(ids);
			await().atMost(WAIT).until(() -> fixture.store.ids().isEmpty());
			assertThat(fixture.harvester.counters().published()).isEqualTo(10);
		}
	}

	@Test
	void busyKeyHoldsUpNeitherOtherKeysNorMarking() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.sendConcurrency(2))) {
			String busy = keyOnShard(0, 2, "busy");
			long busy1 = fixture.store.insert(TOPIC, busy, "1");
			long busy2 = fixture.store.insert(TOPIC, busy, "2");
			List<Long> others = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				others.add(fixture.store.insert(TOPIC, keyOnShard(1, 2, "other" + i), "x"));
			}
			fixture.startLeading();
			MockProducer<String, byte[]> busyShard = fixture.producer(0);
			MockProducer<String, byte[]> otherShard = fixture.producer(1);
			await().atMost(WAIT).until(() -> otherShard.history().size() == 5);
			while (otherShard.completeNext()) {
				// Acknowledge the other keys while the busy key's record stays in flight.
			}
			long later = fixture.store.insert(TOPIC, keyOnShard(1, 2, "later"), "y");
			await().atMost(WAIT).until(() -> otherShard.history().size() == 6);
			assertThat(HarvesterFixture.outboxId(otherShard.history().get(5))).isEqualTo(later);
			assertThat(busyShard.history()).hasSize(1);
			assertThat(fixture.harvester.queuedRecords()).isOne();
			await().atMost(WAIT).until(() -> others.stream().noneMatch(fixture.store::contains));
			busyShard.completeNext();
			await().atMost(WAIT).until(() -> busyShard.history().size() == 2);
			assertThat(busyShard.history()).extracting(HarvesterFixture::outboxId).containsExactly(busy1, busy2);
		}
	}

	@Test
	void failedSendHoldsOnlyItsKeyAndIsRetriedBeforeItsSuccessors() throws Exception {
		// The backoff must outlast the other key's whole round trip, even on a busy machine.
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.sendConcurrency(2),
				(retry) -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(2), 0, 3, PoisonPolicy.HOLD_KEY),
				(event) -> {
				})) {
			String failing = keyOnShard(0, 2, "failing");
			long first = fixture.store.insert(TOPIC, failing, "1");
			long second = fixture.store.insert(TOPIC, failing, "2");
			fixture.startLeading();
			MockProducer<String, byte[]> failingShard = fixture.producer(0);
			await().atMost(WAIT).until(() -> failingShard.history().size() == 1);
			failingShard.errorNext(new TimeoutException("no ack in time"));

			long other = fixture.store.insert(TOPIC, keyOnShard(1, 2, "healthy"), "x");
			MockProducer<String, byte[]> otherShard = fixture.producer(1);
			await().atMost(WAIT).until(() -> otherShard.history().size() == 1);
			otherShard.completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(other));
			assertThat(failingShard.history()).hasSize(1);

			await().atMost(WAIT).until(() -> failingShard.history().size() == 2);
			await().during(QUIET).atMost(WAIT).until(() -> failingShard.history().size() == 2);
			failingShard.completeNext();
			await().atMost(WAIT).until(() -> failingShard.history().size() == 3);
			assertThat(failingShard.history()).extracting(HarvesterFixture::outboxId)
				.containsExactly(first, first, second);
			assertThat(fixture.harvester.counters().failed()).isOne();
			assertThat(fixture.harvester.counters().retried()).isOne();
			assertThat(fixture.harvester.lastError().type()).isEqualTo(TimeoutException.class.getName());
		}
	}

	@Test
	void refreshAfterAFailedMarkSendsNothingAgainThatIsInHand() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long first = fixture.store.insert(TOPIC, "a", "1");
			long second = fixture.store.insert(TOPIC, "a", "2");
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 1);
			UUID before = fixture.harvester.leaderId();

			fixture.store.failMarks(1, true);
			long other = fixture.store.insert(TOPIC, "b", "1");
			await().atMost(WAIT).until(() -> !fixture.events(LeaderRefreshed.class).isEmpty());
			UUID after = fixture.events(LeaderRefreshed.class).get(0).leaderId();
			assertThat(after).isNotEqualTo(before);
			await().atMost(WAIT).until(() -> fixture.harvester.leaderId().equals(after));
			await().atMost(WAIT).until(() -> producer.history().size() == 2);

			while (fixture.store.contains(first) || fixture.store.contains(second) || fixture.store.contains(other)) {
				producer.completeNext();
				Thread.sleep(5);
			}
			await().during(QUIET).atMost(WAIT).until(() -> producer.history().size() == 3);
			assertThat(fixture.sentIds()).containsExactlyInAnyOrder(first, second, other);
			assertThat(fixture.sentIds()).containsSubsequence(first, second);
			assertThat(fixture.harvester.counters().refreshes()).isOne();
			assertThat(fixture.harvester.lastError().message()).startsWith("Mark failed");
		}
	}

	@Test
	void acknowledgedRowsNotYetPurgedAreNotSentAgainWhenMarkedAgain() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long id = acknowledgeOneRowThatCannotBePurgedThenFence(fixture);
			int marksBefore = fixture.store.markCount();
			fixture.lead();
			await().atMost(WAIT).until(() -> fixture.store.marks()
				.stream()
				.skip(marksBefore)
				.anyMatch((mark) -> mark.afterId() == 0 && !mark.belowCursor()));
			await().during(QUIET).atMost(WAIT).until(() -> fixture.sentCount() == 1);
			assertThat(fixture.store.leaderOf(id)).isEqualTo(fixture.harvester.leaderId());

			fixture.store.failPurges(false);
			await().atMost(WAIT).until(() -> !fixture.store.contains(id));
			assertThat(fixture.sentIds()).containsExactly(id);
		}
	}

	@Test
	void acknowledgedRowsOfAnEpochBeforeAnotherLeaderAreSentAgainNotPurged() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long id = acknowledgeOneRowThatCannotBePurgedThenFence(fixture);
			fixture.store.bumpEpoch(HarvesterFixture.GROUP);
			fixture.lead();
			await().atMost(WAIT).until(() -> fixture.harvester.epoch() == 3);
			fixture.store.failPurges(false);
			await().atMost(WAIT).until(() -> fixture.sentCount() == 2);
			assertThat(fixture.store.purged()).isEmpty();
			assertThat(fixture.sentIds()).containsExactly(id, id);
			fixture.producer().completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(id));
		}
	}

	/**
	 * Leads, has one row acknowledged while purges fail, and is fenced by the election with the
	 * row still unpurged.
	 * @return the row's id
	 */
	private static long acknowledgeOneRowThatCannotBePurgedThenFence(HarvesterFixture fixture) throws Exception {
		fixture.store.failPurges(true);
		long id = fixture.store.insert(TOPIC, "a", "1");
		fixture.startLeading();
		MockProducer<String, byte[]> producer = fixture.producer();
		await().atMost(WAIT).until(() -> producer.history().size() == 1);
		producer.completeNext();
		await().atMost(WAIT).until(() -> fixture.store.purgeCalls() > 0);
		fixture.election.fence("heartbeat lost").get(5, TimeUnit.SECONDS);
		return id;
	}

	@Test
	void revokeDrainsInFlightRecordsAndPurgesBeforeItReturns() throws Exception {
		AtomicReference<FakeOutboxStore> storeSeen = new AtomicReference<>();
		List<Long> leftAtRevoke = new CopyOnWriteArrayList<>();
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits, (retry) -> retry, (event) -> {
			if (event instanceof LeaderRevoked) {
				leftAtRevoke.addAll(storeSeen.get().ids());
			}
		})) {
			storeSeen.set(fixture.store);
			long first = fixture.store.insert(TOPIC, "a", "1");
			long second = fixture.store.insert(TOPIC, "a", "2");
			long other = fixture.store.insert(TOPIC, "b", "1");
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 2);
			UUID leaderId = fixture.harvester.leaderId();

			Future<?> revoke = fixture.election.revoke();
			await().atMost(WAIT).until(() -> !fixture.harvester.isLeader());
			await().during(QUIET).atMost(WAIT).until(() -> !revoke.isDone());
			assertThat(fixture.events(LeaderRevoked.class)).isEmpty();
			assertThat(fixture.harvester.queuedRecords()).isZero();

			producer.completeNext();
			producer.completeNext();
			revoke.get(5, TimeUnit.SECONDS);
			assertThat(fixture.store.ids()).containsExactly(second);
			assertThat(leftAtRevoke).containsExactly(second);
			assertThat(fixture.store.leaderOf(second)).isEqualTo(leaderId);
			assertThat(fixture.events.get(fixture.events.size() - 1)).isInstanceOf(LeaderRevoked.class);
			assertThat(fixture.harvester.leaderId()).isNull();
			assertThat(fixture.harvester.epoch()).isZero();
			assertThat(fixture.sentIds()).containsExactly(first, other);
		}
	}

	@Test
	void fenceStopsSendingAtOnceWhileInFlightAcksStillPurge() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.maxInFlightRecords(1))) {
			List<Long> ids = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				ids.add(fixture.store.insert(TOPIC, "k" + i, "v"));
			}
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 1);

			fixture.election.fence("no heartbeat for 5s").get(5, TimeUnit.SECONDS);
			assertThat(fixture.events(LeaderFenced.class)).extracting(LeaderFenced::reason)
				.containsExactly("no heartbeat for 5s");
			assertThat(fixture.harvester.isLeader()).isFalse();
			assertThat(fixture.harvester.leaderId()).isNull();
			assertThat(fixture.harvester.queuedRecords()).isZero();

			producer.completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(ids.get(0)));
			await().during(QUIET).atMost(WAIT).until(() -> producer.history().size() == 1);
			assertThat(fixture.store.ids()).containsExactlyElementsOf(ids.subList(1, 5));
		}
	}

	@Test
	void markRefusedForAStaleEpochFencesAndTakesANewEpochWhileStillElected() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.startLeading();
			long id = fixture.store.insert(TOPIC, "a", "1");
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 1);
			fixture.producer().completeNext();

			// Another instance took an epoch in passing, as a former leader may in the instant
			// its connection to Kafka comes back; the election still says this one leads.
			fixture.store.bumpEpoch(HarvesterFixture.GROUP);
			await().atMost(WAIT).until(() -> !fixture.events(LeaderFenced.class).isEmpty());
			assertThat(fixture.events(LeaderFenced.class).get(0).reason()).contains("stale epoch")
				.contains("epoch 2")
				.contains("epoch 1");
			await().atMost(WAIT).until(() -> fixture.events(LeaderAcquired.class).size() == 2);
			assertThat(fixture.events(LeaderAcquired.class).get(1).epoch()).isEqualTo(3);
			assertThat(fixture.harvester.isLeader()).isTrue();
			long next = fixture.store.insert(TOPIC, "b", "1");
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.sentIds().contains(next));
			assertThat(fixture.sentIds()).startsWith(id);
		}
	}

	@Test
	void acknowledgementAfterANewerEpochLeavesTheRowForTheNextLeaderAndFences() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long first = fixture.store.insert(TOPIC, "a", "1");
			long second = fixture.store.insert(TOPIC, "a", "2");
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 1);

			// A newer leader took over while the record was in the producer, as after a long
			// pause; its late acknowledgement must not delete a row the newer leader may not
			// have sent yet.
			fixture.store.bumpEpoch(HarvesterFixture.GROUP);
			fixture.producer().completeNext();
			await().atMost(WAIT).until(() -> !fixture.events(LeaderFenced.class).isEmpty());
			assertThat(fixture.events(LeaderFenced.class).get(0).reason()).contains("stale epoch");
			assertThat(fixture.store.ids()).containsExactly(first, second);
			assertThat(fixture.store.purged()).isEmpty();
			await().during(QUIET).atMost(WAIT).until(() -> fixture.sentIds().equals(List.of(first)));
		}
	}

	@Test
	void staleEpochAfterTheElectionFencedThisInstanceTakesNoNewEpoch() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.startLeading();
			fixture.election.fence("no own heartbeat read back").get(5, TimeUnit.SECONDS);
			await().atMost(WAIT).until(() -> !fixture.harvester.isLeader());
			fixture.store.bumpEpoch(HarvesterFixture.GROUP);
			int marks = fixture.store.markCount();
			fixture.store.insert(TOPIC, "b", "1");
			fixture.harvester.wakeUp();
			await().during(QUIET).atMost(WAIT).until(() -> fixture.store.markCount() == marks);
			assertThat(fixture.events(LeaderAcquired.class)).hasSize(1);
			assertThat(fixture.sentIds()).isEmpty();
		}
	}

	@Test
	void reacquiredLeadershipTakesANewerEpochAndLeaderId() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.startLeading();
			LeaderAcquired first = fixture.events(LeaderAcquired.class).get(0);
			assertThat(first.epoch()).isOne();
			assertThat(fixture.harvester.epoch()).isOne();
			assertThat(fixture.harvester.leaderId()).isEqualTo(first.leaderId());

			fixture.election.fence("heartbeat lost").get(5, TimeUnit.SECONDS);
			fixture.lead();
			List<LeaderAcquired> acquired = fixture.events(LeaderAcquired.class);
			assertThat(acquired).hasSize(2);
			assertThat(acquired.get(1).epoch()).isEqualTo(2);
			assertThat(acquired.get(1).leaderId()).isNotEqualTo(first.leaderId());
			assertThat(fixture.events).extracting(HarvestEvent::getClass)
				.containsSubsequence(LeaderAcquired.class, LeaderFenced.class, LeaderAcquired.class);
		}
	}

	@Test
	void failingToTakeAnEpochIsRetried() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.store.failAcquires(2);
			fixture.harvester.start();
			fixture.election.acquire().get(5, TimeUnit.SECONDS);
			await().atMost(WAIT).until(fixture.harvester::isLeader);
			assertThat(fixture.events(LeaderAcquired.class)).hasSize(1);
			assertThat(fixture.harvester.lastError().type())
				.isEqualTo(DataAccessResourceFailureException.class.getName());
		}
	}

	@Test
	void listenerExceptionsAreContained() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.minMetricsInterval(Duration.ofMillis(100)),
				(retry) -> retry, (event) -> {
					throw new IllegalStateException("listener broke");
				})) {
			fixture.startLeading();
			long id = fixture.store.insert(TOPIC, "a", "1");
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 1);
			fixture.producer().completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(id));
			await().atMost(WAIT).until(() -> !fixture.events(MeterRead.class).isEmpty());
			assertThat(fixture.harvester.state()).isEqualTo(HarvestState.RUNNING);
			assertThat(fixture.harvester.isLeader()).isTrue();
		}
	}

	@Test
	void inFlightRecordsNeverExceedTheLimit() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture(
				(limits) -> limits.maxInFlightRecords(3).sendConcurrency(2))) {
			for (int i = 0; i < 20; i++) {
				fixture.store.insert(TOPIC, "k" + i, "v");
			}
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 3);
			await().during(QUIET).atMost(WAIT).until(() -> fixture.sentCount() == 3);
			assertThat(fixture.harvester.inFlightRecords()).isEqualTo(3);
			assertThat(fixture.harvester.queuedRecords()).isEqualTo(17);
			int completed = 0;
			while (completed < 20) {
				int sent = fixture.sentCount();
				assertThat(sent - completed).isLessThanOrEqualTo(3);
				boolean any = false;
				for (int shard = 0; shard < 2; shard++) {
					if (fixture.producersCreated(shard) > 0 && fixture.producer(shard).completeNext()) {
						completed++;
						any = true;
					}
				}
				if (!any) {
					Thread.sleep(2);
				}
			}
			assertThat(fixture.sentCount()).isEqualTo(20);
		}
	}

	@Test
	void eachShardBuffersAtMostSendBufferRecordsAndSendsNothingWithoutALease() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.sendBuffer(2))) {
			for (int i = 0; i < 10; i++) {
				fixture.store.insert(TOPIC, "k" + i, "v");
			}
			fixture.election.leaseRevoked(true);
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.harvester.inFlightRecords() == 2);
			await().during(QUIET).atMost(WAIT).until(() -> fixture.harvester.inFlightRecords() == 2);
			assertThat(fixture.harvester.queuedRecords()).isEqualTo(8);
			assertThat(fixture.sentCount()).isZero();

			fixture.election.leaseRevoked(false);
			MockProducer<String, byte[]> producer = fixture.producer();
			int completed = 0;
			while (completed < 10) {
				if (producer.completeNext()) {
					completed++;
				}
				else {
					Thread.sleep(2);
				}
			}
			await().atMost(WAIT).until(() -> fixture.store.ids().isEmpty());
		}
	}

	@Test
	void lateCommittedLowerIdGoesBeforeItsKeysQueuedSuccessors() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long late = fixture.store.reserveId();
			long second = fixture.store.insert(TOPIC, "a", "2");
			long third = fixture.store.insert(TOPIC, "a", "3");
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 1);

			fixture.store.commitReserved(late, OutboxRecord.builder(TOPIC, "a").value("1").build());
			await().atMost(WAIT).until(() -> fixture.harvester.counters().late() == 1);
			producer.completeNext();
			await().atMost(WAIT).until(() -> producer.history().size() == 2);
			producer.completeNext();
			await().atMost(WAIT).until(() -> producer.history().size() == 3);
			assertThat(fixture.sentIds()).containsExactly(second, late, third);
		}
	}

	@Test
	void nonRetriableFailuresQuarantineTheRecordAndHoldOnlyItsKey() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.sendConcurrency(2),
				(retry) -> new RetryPolicy(Duration.ofMillis(5), Duration.ofMillis(20), 0, 2, PoisonPolicy.HOLD_KEY),
				(event) -> {
				})) {
			String held = keyOnShard(0, 2, "held");
			long poison = fixture.store.insert(TOPIC, held, "too large");
			long successor = fixture.store.insert(TOPIC, held, "next");
			long other = fixture.store.insert(TOPIC, keyOnShard(1, 2, "free"), "x");
			fixture.startLeading();
			MockProducer<String, byte[]> heldShard = fixture.producer(0);
			await().atMost(WAIT).until(() -> heldShard.history().size() == 1);
			heldShard.errorNext(new RecordTooLargeException("too large"));
			await().atMost(WAIT).until(() -> heldShard.history().size() == 2);
			heldShard.errorNext(new RecordTooLargeException("still too large"));

			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().contains(poison));
			QuarantineEntry entry = fixture.store.quarantineEntry(poison);
			assertThat(entry.attempts()).isEqualTo(2);
			assertThat(entry.errorClass()).isEqualTo(RecordTooLargeException.class.getName());
			assertThat(entry.lastError()).isEqualTo("still too large");
			assertThat(entry.policy()).isEqualTo(PoisonPolicy.HOLD_KEY);
			assertThat(entry.firstFailureTime()).isBeforeOrEqualTo(entry.lastFailureTime());
			assertThat(fixture.harvester.heldKeys()).isOne();
			await().atMost(WAIT).until(() -> fixture.store.leaderOf(successor) == null);
			assertThat(fixture.harvester.queuedRecords()).as("the held key's rows wait in the outbox, not in memory")
				.isZero();

			MockProducer<String, byte[]> freeShard = fixture.producer(1);
			await().atMost(WAIT).until(() -> freeShard.history().size() == 1);
			freeShard.completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(other));
			long later = fixture.store.insert(TOPIC, held, "later");
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.store.marks().stream()
				.anyMatch((mark) -> mark.heldKeys().contains(new HeldKey(TOPIC, held))));
			await().during(QUIET).atMost(WAIT).until(() -> heldShard.history().size() == 2);
			assertThat(fixture.store.ids()).containsExactly(successor, later);
			assertThat(fixture.store.leaderOf(later)).isNull();

			await().atMost(WAIT).until(() -> fixture.events(KeyHeld.class).size() == 1);
			assertThat(fixture.events(KeyHeld.class))
				.containsExactly(new KeyHeld(TOPIC, held, poison, PoisonPolicy.HOLD_KEY));
			assertThat(fixture.events(RecordQuarantined.class)).containsExactly(new RecordQuarantined(poison, TOPIC,
					held, 2, RecordTooLargeException.class.getName(), PoisonPolicy.HOLD_KEY));
			assertThat(fixture.events(RecordPublishFailed.class)).satisfiesExactly((first) -> {
				assertThat(first.id()).isEqualTo(poison);
				assertThat(first.attempt()).isOne();
				assertThat(first.kind()).isEqualTo("POISON");
				assertThat(first.errorClass()).isEqualTo(RecordTooLargeException.class.getName());
				assertThat(first.nextAttempt()).isNotNull();
			}, (second) -> {
				assertThat(second.attempt()).isEqualTo(2);
				assertThat(second.nextAttempt()).as("no next attempt: the poison policy takes it").isNull();
			});
		}
	}

	@Test
	void releasedKeyPublishesItsWaitingRowsInIdOrderBeforeNewOnes() throws Exception {
		try (HarvesterFixture fixture = poisonFixture(PoisonPolicy.HOLD_KEY)) {
			long poison = fixture.store.insert(TOPIC, "a", "poison");
			long first = fixture.store.insert(TOPIC, "a", "1");
			long second = fixture.store.insert(TOPIC, "a", "2");
			MockProducer<String, byte[]> producer = startAndRejectFirstSend(fixture);
			await().atMost(WAIT).until(() -> fixture.harvester.heldKeys() == 1 && fixture.store.leaderOf(first) == null);

			fixture.store.release(TOPIC, "a");
			long third = fixture.store.insert(TOPIC, "a", "3");
			fixture.harvester.checkHeldKeys();
			completeInOrder(fixture, producer, 4);

			assertThat(fixture.sentIds()).containsExactly(poison, first, second, third);
			assertThat(fixture.store.ids()).isEmpty();
			assertThat(fixture.store.quarantinedIds()).containsExactly(poison);
			assertThat(fixture.harvester.heldKeys()).isZero();
			await().atMost(WAIT).until(() -> fixture.events(KeyReleased.class).size() == 1);
			assertThat(fixture.events(KeyReleased.class)).containsExactly(new KeyReleased(TOPIC, "a"));
		}
	}

	@Test
	void retriedRowGoesOutWithItsIdBeforeItsKeysLaterRows() throws Exception {
		try (HarvesterFixture fixture = poisonFixture(PoisonPolicy.HOLD_KEY)) {
			long poison = fixture.store.insert(TOPIC, "a", "poison");
			long successor = fixture.store.insert(TOPIC, "a", "1");
			MockProducer<String, byte[]> producer = startAndRejectFirstSend(fixture);
			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().contains(poison));

			fixture.store.retry(poison);
			fixture.harvester.checkHeldKeys();
			completeInOrder(fixture, producer, 3);

			assertThat(fixture.sentIds()).containsExactly(poison, poison, successor);
			assertThat(fixture.store.ids()).isEmpty();
			assertThat(fixture.store.quarantinedIds()).isEmpty();
		}
	}

	@Test
	void parkedKeyMovesItsRowsToQuarantineInIdOrderUntilReplayed() throws Exception {
		try (HarvesterFixture fixture = poisonFixture(PoisonPolicy.PARK_KEY)) {
			long poison = fixture.store.insert(TOPIC, "a", "poison");
			long first = fixture.store.insert(TOPIC, "a", "1");
			long other = fixture.store.insert(TOPIC, "b", "1");
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 2);
			producer.errorNext(new RecordTooLargeException("too large"));
			producer.completeNext();
			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().equals(List.of(poison, first)));
			long second = fixture.store.insert(TOPIC, "a", "2");
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().equals(List.of(poison, first, second)));
			assertThat(fixture.store.ids()).isEmpty();
			assertThat(fixture.store.quarantineEntry(second).policy()).isEqualTo(PoisonPolicy.PARK_KEY);
			assertThat(fixture.store.quarantineEntry(second).attempts()).isZero();
			assertThat(fixture.sentIds()).containsExactly(poison, other);

			fixture.store.replay(TOPIC, "a");
			fixture.harvester.checkHeldKeys();
			completeInOrder(fixture, producer, 5);
			assertThat(fixture.sentIds()).containsExactly(poison, other, poison, first, second);
			assertThat(fixture.store.quarantinedIds()).isEmpty();
			await().atMost(WAIT).until(() -> fixture.events(RecordQuarantined.class).size() == 3);
			assertThat(fixture.events(RecordQuarantined.class)).extracting(RecordQuarantined::id)
				.containsExactly(poison, first, second);
		}
	}

	@Test
	void parkedKeyReplayedBeforeTheLeaderNoticesStillGoesOutInIdOrder() throws Exception {
		try (HarvesterFixture fixture = poisonFixture(PoisonPolicy.PARK_KEY,
				(limits) -> limits.headRescanInterval(Duration.ofSeconds(30)))) {
			long poison = fixture.store.insert(TOPIC, "a", "poison");
			long first = fixture.store.insert(TOPIC, "a", "1");
			MockProducer<String, byte[]> producer = startAndRejectFirstSend(fixture);
			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().equals(List.of(poison, first)));

			// The leader checks held keys only every 30 s here: it learns of the replay when it
			// tries to park the key's next row.
			fixture.store.replay(TOPIC, "a");
			long second = fixture.store.insert(TOPIC, "a", "2");
			fixture.harvester.wakeUp();
			completeInOrder(fixture, producer, 4);
			assertThat(fixture.sentIds()).containsExactly(poison, poison, first, second);
			assertThat(fixture.store.quarantinedIds()).isEmpty();
		}
	}

	@Test
	void skippedRecordIsQuarantinedAndItsKeyGoesOn() throws Exception {
		try (HarvesterFixture fixture = poisonFixture(PoisonPolicy.SKIP_RECORD)) {
			long poison = fixture.store.insert(TOPIC, "a", "poison");
			long successor = fixture.store.insert(TOPIC, "a", "1");
			MockProducer<String, byte[]> producer = startAndRejectFirstSend(fixture);
			completeInOrder(fixture, producer, 2);
			assertThat(fixture.sentIds()).containsExactly(poison, successor);
			assertThat(fixture.store.quarantinedIds()).containsExactly(poison);
			assertThat(fixture.store.heldKeys()).isEmpty();
			assertThat(fixture.harvester.heldKeys()).isZero();
		}
	}

	@Test
	void defectiveRowIsQuarantinedWithoutBeingSent() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long defective = fixture.store.insertDefective(OutboxRecord.builder(TOPIC, "a").build(),
					"unequal number of header keys (2) and values (1)");
			long successor = fixture.store.insert(TOPIC, "a", "next");
			long other = fixture.store.insert(TOPIC, "b", "x");
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().contains(defective));
			QuarantineEntry entry = fixture.store.quarantineEntry(defective);
			assertThat(entry.attempts()).isZero();
			assertThat(entry.lastError()).contains("unequal number of header keys");
			assertThat(entry.errorClass()).isNull();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 1);
			producer.completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(other));
			await().during(QUIET).atMost(WAIT).until(() -> producer.history().size() == 1);
			assertThat(fixture.sentIds()).containsExactly(other);
			assertThat(fixture.store.ids()).containsExactly(successor);
			assertThat(fixture.harvester.heldKeys()).isOne();
		}
	}

	@Test
	void newLeaderTakesUpHeldKeysBeforeItMarks() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			long poison = fixture.store.insert(TOPIC, "held", "poison");
			long waiting = fixture.store.insert(TOPIC, "held", "1");
			long free = fixture.store.insert(TOPIC, "free", "1");
			long formerEpoch = fixture.store.acquireEpoch(HarvesterFixture.GROUP, "former", UUID.randomUUID());
			fixture.store.quarantine(HarvesterFixture.GROUP, formerEpoch, poison,
					new QuarantineEntry(3, Instant.now(), Instant.now(), "too large", null, PoisonPolicy.HOLD_KEY));
			fixture.store.failQuarantines(2);
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 1);
			producer.completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(free));
			await().during(QUIET).atMost(WAIT).until(() -> producer.history().size() == 1);
			assertThat(fixture.sentIds()).containsExactly(free);
			assertThat(fixture.store.ids()).containsExactly(waiting);
			assertThat(fixture.store.marks()).as("every mark leaves the held key out").isNotEmpty()
				.allSatisfy((mark) -> assertThat(mark.heldKeys()).containsExactly(new HeldKey(TOPIC, "held")));
			assertThat(fixture.harvester.heldKeys()).isOne();
		}
	}

	@Test
	void quarantineFailuresKeepTheKeyWaitingAndAreRetried() throws Exception {
		try (HarvesterFixture fixture = poisonFixture(PoisonPolicy.HOLD_KEY)) {
			long poison = fixture.store.insert(TOPIC, "a", "poison");
			long successor = fixture.store.insert(TOPIC, "a", "1");
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			await().atMost(WAIT).until(() -> producer.history().size() == 1);
			fixture.store.failQuarantines(3);
			producer.errorNext(new RecordTooLargeException("too large"));
			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().contains(poison));
			await().during(QUIET).atMost(WAIT).until(() -> producer.history().size() == 1);
			assertThat(fixture.store.ids()).containsExactly(successor);
			assertThat(fixture.harvester.lastError().message()).contains("Applying the poison policy failed");
		}
	}

	@Test
	void fatalProducerFailureRebuildsTheProducerWithoutCountingTheAttempt() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits,
				(retry) -> new RetryPolicy(Duration.ofMillis(5), Duration.ofMillis(20), 1, 1, PoisonPolicy.HOLD_KEY),
				(event) -> {
				})) {
			long id = fixture.store.insert(TOPIC, "a", "1");
			fixture.startLeading();
			MockProducer<String, byte[]> first = fixture.producer();
			await().atMost(WAIT).until(() -> first.history().size() == 1);
			first.errorNext(new ProducerFencedException("fenced by a newer producer"));

			await().atMost(WAIT).until(() -> fixture.producersCreated(0) == 2);
			MockProducer<String, byte[]> second = fixture.producer();
			await().atMost(WAIT).until(() -> second.history().size() == 1);
			second.completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(id));
			assertThat(first.closed()).isTrue();
			assertThat(fixture.store.quarantinedIds()).isEmpty();
		}
	}

	@Test
	void recordsFailingTogetherOnABrokenProducerRebuildItOnce() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			List<Long> ids = List.of(fixture.store.insert(TOPIC, "a", "1"), fixture.store.insert(TOPIC, "b", "1"),
					fixture.store.insert(TOPIC, "c", "1"));
			fixture.startLeading();
			MockProducer<String, byte[]> broken = fixture.producer();
			await().atMost(WAIT).until(() -> broken.history().size() == 3);
			for (int i = 0; i < 3; i++) {
				broken.errorNext(new ProducerFencedException("fenced"));
			}
			await().atMost(WAIT).until(() -> fixture.producersCreated(0) == 2);
			MockProducer<String, byte[]> rebuilt = fixture.producer();
			await().atMost(WAIT).until(() -> rebuilt.history().size() == 3);
			while (rebuilt.completeNext()) {
				// Acknowledge the resent records.
			}
			await().atMost(WAIT).until(() -> fixture.store.ids().isEmpty());
			await().during(QUIET).atMost(WAIT).until(() -> fixture.producersCreated(0) == 2);
			assertThat(rebuilt.history()).extracting(HarvesterFixture::outboxId).containsExactlyInAnyOrderElementsOf(ids);
		}
	}

	@Test
	void retriableFailuresBeyondTheirLimitGoToThePoisonPolicy() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits,
				(retry) -> new RetryPolicy(Duration.ofMillis(5), Duration.ofMillis(20), 2, 3, PoisonPolicy.HOLD_KEY),
				(event) -> {
				})) {
			long id = fixture.store.insert(TOPIC, "a", "1");
			fixture.startLeading();
			MockProducer<String, byte[]> producer = fixture.producer();
			for (int attempt = 1; attempt <= 2; attempt++) {
				int sent = attempt;
				await().atMost(WAIT).until(() -> producer.history().size() == sent);
				producer.errorNext(new TimeoutException("broker away"));
			}
			await().atMost(WAIT).until(() -> fixture.store.quarantinedIds().contains(id));
			assertThat(fixture.store.quarantineEntry(id).attempts()).isEqualTo(2);
			assertThat(fixture.store.quarantineEntry(id).lastError()).isEqualTo("broker away");
			await().atMost(WAIT).until(() -> fixture.events(RecordPublishFailed.class).size() == 2);
			assertThat(fixture.events(RecordPublishFailed.class)).extracting(RecordPublishFailed::kind)
				.containsOnly("RETRIABLE");
		}
	}

	@Test
	void databaseErrorsWhileMarkingAreRetried() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.store.failMarks(3, false);
			long id = fixture.store.insert(TOPIC, "a", "1");
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 1);
			fixture.producer().completeNext();
			await().atMost(WAIT).until(() -> !fixture.store.contains(id));
			HarvestError error = fixture.harvester.lastError();
			assertThat(error.message()).startsWith("Mark failed").contains("connection refused");
			assertThat(error.type()).isEqualTo(DataAccessResourceFailureException.class.getName());
			assertThat(fixture.events(LeaderRefreshed.class)).isNotEmpty();
		}
	}

	@Test
	void purgeErrorsAreRetriedWithTheIdsKept() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.store.failPurges(true);
			long id = fixture.store.insert(TOPIC, "a", "1");
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 1);
			fixture.producer().completeNext();
			await().atMost(WAIT).until(() -> fixture.store.purgeCalls() >= 2);
			assertThat(fixture.store.contains(id)).isTrue();
			assertThat(fixture.harvester.lastError().message()).startsWith("Purge failed");
			fixture.store.failPurges(false);
			await().atMost(WAIT).until(() -> !fixture.store.contains(id));
			assertThat(fixture.harvester.counters().purged()).isOne();
		}
	}

	@Test
	void pauseStopsMarkingAndSendingButKeepsLeadership() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.startLeading();
			fixture.harvester.pause();
			assertThat(fixture.harvester.isPaused()).isTrue();
			long id = fixture.store.insert(TOPIC, "a", "1");
			fixture.harvester.wakeUp();
			await().during(QUIET).atMost(WAIT).until(() -> fixture.harvester.queuedRecords() == 0);
			assertThat(fixture.sentCount()).isZero();
			assertThat(fixture.harvester.isLeader()).isTrue();

			fixture.harvester.resume();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 1);
			assertThat(fixture.sentIds()).containsExactly(id);
		}
	}

	@Test
	void wakeUpCutsTheIdleBackoffShort() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture(
				(limits) -> limits.markBackoff(Duration.ofSeconds(3)).maxMarkBackoff(Duration.ofSeconds(10)))) {
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.store.markCount() >= 1);
			int marks = fixture.store.markCount();
			await().during(QUIET).atMost(WAIT).until(() -> fixture.store.markCount() == marks);

			fixture.store.insert(TOPIC, "a", "1");
			long woken = System.nanoTime();
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 1);
			assertThat(Duration.ofNanos(System.nanoTime() - woken)).isLessThan(Duration.ofSeconds(2));
		}
	}

	@Test
	void wakeUpAfterIdlingMarksNewRowsAboveTheCursorAtOnce() throws Exception {
		// The idle backoff is far longer than the head rescan interval, so the wake-up's mark
		// is due for a rescan below the cursor as well; that must not take the forward mark's place.
		try (HarvesterFixture fixture = new HarvesterFixture(
				(limits) -> limits.markBackoff(Duration.ofSeconds(3)).maxMarkBackoff(Duration.ofSeconds(10)))) {
			fixture.store.insert(TOPIC, "a", "1");
			fixture.startLeading();
			fixture.awaitSent(1);
			fixture.producer().completeNext();
			await().atMost(WAIT).until(() -> fixture.store.ids().isEmpty());
			int marks = fixture.store.markCount();
			await().during(QUIET).atMost(WAIT).until(() -> fixture.store.markCount() == marks);

			long id = fixture.store.insert(TOPIC, "b", "1");
			long woken = System.nanoTime();
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 2);
			assertThat(Duration.ofNanos(System.nanoTime() - woken)).isLessThan(Duration.ofSeconds(2));
			assertThat(fixture.sentIds()).endsWith(id);
		}
	}

	@Test
	void idlePollingWithABackoffLongerThanTheRescanIntervalStillFindsNewRows() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.markBackoff(Duration.ofMillis(200))
			.maxMarkBackoff(Duration.ofMillis(200))
			.headRescanInterval(Duration.ofMillis(50)))) {
			fixture.store.insert(TOPIC, "a", "1");
			fixture.startLeading();
			fixture.awaitSent(1);
			fixture.producer().completeNext();
			await().atMost(WAIT).until(() -> fixture.store.ids().isEmpty());

			long id = fixture.store.insert(TOPIC, "b", "1");
			await().atMost(WAIT).until(() -> fixture.sentCount() == 2);
			assertThat(fixture.sentIds()).endsWith(id);
			assertThat(fixture.store.marks()).anySatisfy((mark) -> assertThat(mark.belowCursor()).isTrue());
		}
	}

	@Test
	void wakeUpSourceStartsWithTheMarkerAndClosesOnStop() throws Exception {
		FakeOutboxStore store = new FakeOutboxStore();
		FakeLeaderElection election = new FakeLeaderElection();
		AtomicReference<Runnable> onWakeUp = new AtomicReference<>();
		AtomicReference<String> startThread = new AtomicReference<>();
		AtomicBoolean closed = new AtomicBoolean();
		WakeUpSource source = new WakeUpSource() {

			@Override
			public void start(Runnable callback) {
				startThread.set(Thread.currentThread().getName());
				onWakeUp.set(callback);
			}

			@Override
			public void close() {
				closed.set(true);
			}

		};
		Config config = Config.builder()
			.name("wake")
			.leaderGroupId("wake-group")
			.limits(Limits.builder()
				.sendConcurrency(1)
				.markBackoff(Duration.ofSeconds(3))
				.maxMarkBackoff(Duration.ofSeconds(10))
				.drainTimeout(Duration.ofMillis(200))
				.build())
			.build();
		List<MockProducer<String, byte[]>> producers = new CopyOnWriteArrayList<>();
		Harvester harvester = new Harvester(store, store, election,
				(shard) -> new MockProducerFactory<>(() -> {
					MockProducer<String, byte[]> producer = new MockProducer<>(true, null,
							new StringSerializer(), new ByteArraySerializer());
					producers.add(producer);
					return producer;
				}), source, config, (event) -> {
				});
		harvester.start();
		election.acquire().get(5, TimeUnit.SECONDS);
		await().atMost(WAIT).until(harvester::isLeader);
		await().atMost(WAIT).until(() -> store.markCount() >= 1);
		assertThat(startThread.get()).isEqualTo("harvest-marker-wake");

		long id = store.insert(TOPIC, "a", "1");
		onWakeUp.get().run();
		await().atMost(Duration.ofSeconds(2)).until(() -> !store.contains(id));
		harvester.stop();
		assertThat(closed).isTrue();
		assertThat(producers).allMatch(MockProducer::closed);
	}

	@Test
	void meterReportsWhileLeadingEvenWhenNothingIsPublished() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture(
				(limits) -> limits.minMetricsInterval(Duration.ofMillis(50)))) {
			fixture.startLeading();
			await().atMost(WAIT).until(() -> fixture.events(MeterRead.class).size() >= 2);
			assertThat(fixture.events(MeterRead.class).get(0).stats().totalCount()).isZero();

			for (int i = 0; i < 3; i++) {
				fixture.store.insert(TOPIC, "k" + i, "v");
			}
			fixture.harvester.wakeUp();
			await().atMost(WAIT).until(() -> fixture.sentCount() == 3);
			MockProducer<String, byte[]> producer = fixture.producer();
			while (producer.completeNext()) {
				// Acknowledge all three.
			}
			await().atMost(WAIT).until(() -> fixture.events(MeterRead.class)
				.stream()
				.anyMatch((read) -> read.stats().totalCount() == 3 && read.stats().intervalCount() > 0));
			assertThat(fixture.harvester.meterStats().totalCount()).isEqualTo(3);
			assertThat(fixture.harvester.meterStats().name()).isEqualTo("throughput");
		}
	}

	@Test
	void stopRunsTheCallbackOnceWithinTheDrainTimeoutEvenWithARecordStuckInFlight() throws Exception {
		HarvesterFixture fixture = new HarvesterFixture((limits) -> limits.drainTimeout(Duration.ofMillis(300)));
		long id = fixture.store.insert(TOPIC, "a", "1");
		fixture.startLeading();
		await().atMost(WAIT).until(() -> fixture.sentCount() == 1);

		AtomicInteger calls = new AtomicInteger();
		CountDownLatch stopped = new CountDownLatch(1);
		long begin = System.nanoTime();
		fixture.harvester.stop(() -> {
			calls.incrementAndGet();
			stopped.countDown();
		});
		fixture.harvester.stop(calls::incrementAndGet);
		assertThat(fixture.harvester.isRunning()).isFalse();
		assertThat(stopped.await(300 + Harvester.STOP_MARGIN.toMillis() + 1000, TimeUnit.MILLISECONDS)).isTrue();
		Duration took = Duration.ofNanos(System.nanoTime() - begin);
		await().atMost(WAIT).until(() -> calls.get() == 2);
		assertThat(took).isLessThan(Duration.ofMillis(300).plus(Harvester.STOP_MARGIN));
		assertThat(fixture.harvester.state()).isEqualTo(HarvestState.STOPPED);
		assertThat(fixture.election.closes()).isOne();
		assertThat(fixture.events(LeaderRevoked.class)).hasSize(1);
		assertThat(fixture.store.contains(id)).isTrue();

		fixture.harvester.stop(calls::incrementAndGet);
		assertThat(calls).hasValue(3);
		await().during(QUIET).atMost(WAIT).until(() -> calls.get() == 3);
	}

	@Test
	void stopDrainsInFlightRecordsAndPurgesThemBeforeLettingGo() throws Exception {
		HarvesterFixture fixture = new HarvesterFixture();
		long id = fixture.store.insert(TOPIC, "a", "1");
		long queued = fixture.store.insert(TOPIC, "a", "2");
		fixture.startLeading();
		await().atMost(WAIT).until(() -> fixture.sentCount() == 1);
		CountDownLatch stopped = new CountDownLatch(1);
		fixture.harvester.stop(stopped::countDown);
		await().atMost(WAIT).until(() -> fixture.harvester.state() == HarvestState.STOPPING);
		assertThat(stopped.await(100, TimeUnit.MILLISECONDS)).isFalse();

		fixture.producer().completeNext();
		assertThat(stopped.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(fixture.store.ids()).containsExactly(queued);
		assertThat(fixture.sentIds()).containsExactly(id);
		assertThat(fixture.events).extracting(HarvestEvent::getClass).last().isEqualTo(LeaderRevoked.class);
	}

	@Test
	void startingTwiceIsHarmlessButAStoppedHarvesterCannotStartAgain() throws Exception {
		HarvesterFixture fixture = new HarvesterFixture();
		assertThat(fixture.harvester.state()).isEqualTo(HarvestState.CREATED);
		assertThat(fixture.harvester.isAutoStartup()).isTrue();
		assertThat(fixture.harvester.getPhase()).isEqualTo(Harvester.DEFAULT_PHASE);
		fixture.harvester.start();
		fixture.harvester.start();
		assertThat(fixture.harvester.isRunning()).isTrue();
		assertThat(threadsNamed("harvest-marker-test")).isOne();
		fixture.close();
		assertThat(fixture.harvester.state()).isEqualTo(HarvestState.STOPPED);
		assertThatIllegalStateException().isThrownBy(fixture.harvester::start).withMessageContaining("test")
			.withMessageContaining("cannot be started again");
		await().atMost(WAIT).until(() -> threadsNamed("harvest-") == 0);
	}

	@Test
	void phaseCanOnlyBeSetBeforeStarting() throws Exception {
		try (HarvesterFixture fixture = new HarvesterFixture()) {
			fixture.harvester.setPhase(42);
			assertThat(fixture.harvester.getPhase()).isEqualTo(42);
			fixture.harvester.start();
			assertThatIllegalStateException().isThrownBy(() -> fixture.harvester.setPhase(7))
				.withMessageContaining("before it starts");
		}
	}

	/**
	 * Creates a fixture whose records count as poison after one failed attempt.
	 */
	private static HarvesterFixture poisonFixture(PoisonPolicy policy) {
		return poisonFixture(policy, UnaryOperator.identity());
	}

	private static HarvesterFixture poisonFixture(PoisonPolicy policy, UnaryOperator<Limits.Builder> limits) {
		return new HarvesterFixture(limits, (retry) -> new RetryPolicy(retry.initialBackoff(),
				retry.maxBackoff(), retry.maxAttemptsRetriable(), 1, policy), (event) -> {
				});
	}

	/**
	 * Starts leading and lets Kafka refuse the first record sent as too large.
	 */
	private static MockProducer<String, byte[]> startAndRejectFirstSend(HarvesterFixture fixture) {
		fixture.startLeading();
		MockProducer<String, byte[]> producer = fixture.producer();
		await().atMost(WAIT).until(() -> producer.history().size() == 1);
		producer.errorNext(new RecordTooLargeException("too large"));
		return producer;
	}

	/**
	 * Acknowledges records one at a time as they are sent, as Kafka would, until
	 * {@code total} records have been sent in all.
	 */
	private static void completeInOrder(HarvesterFixture fixture, MockProducer<String, byte[]> producer, int total) {
		await().atMost(WAIT).until(() -> {
			while (producer.completeNext()) {
				// Acknowledge what was sent so far.
			}
			return fixture.sentCount() >= total;
		});
		while (producer.completeNext()) {
			// And the last one.
		}
		await().during(QUIET).atMost(WAIT).until(() -> fixture.sentCount() == total);
	}

	private static long threadsNamed(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith(prefix)
					&& !thread.getName().startsWith("harvest-stop"))
			.count();
	}

	/**
	 * Finds a key that the scheduler sends through the given shard.
	 * @param shard the shard
	 * @param shards the number of shards
	 * @param prefix the start of the key
	 * @return a key on that shard
	 */
	static String keyOnShard(int shard, int shards, String prefix) {
		for (int i = 0;; i++) {
			String key = prefix + "-" + i;
			if (new RecordKey(TOPIC, key).shard(shards) == shard) {
				return key;
			}
		}
	}

}
