package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.harvest.FaultInjectingProducerFactory.Faults;
import dev.harvest.outbox.harvest.LiveOutbox.Shape;
import dev.harvest.outbox.harvest.event.LeaderFenced;
import dev.harvest.outbox.test.OrderChecker;
import dev.harvest.outbox.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link Harvester} instances handing leadership over while records
 * flow, against a real PostgreSQL outbox and a real Kafka broker: goharvest's own multi-node
 * scenario with injected send and delivery failures, a graceful hand-over, and a paused former
 * leader that the database fences.
 */
class HarvesterFailoverIntegrationTests {

	private static final Log logger = LogFactory.getLog(HarvesterFailoverIntegrationTests.class);

	private static final Duration LEAD = Duration.ofSeconds(30);

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final String group = TestInfrastructure.uniqueName("harvest-failover");

	private final List<HarvesterNode> nodes = new ArrayList<>();

	private final List<AutoCloseable> resources = new ArrayList<>();

	@AfterEach
	void stopEverything() throws Exception {
		try {
			HarvesterNode.stopAll(this.nodes);
		}
		finally {
			Collections.reverse(this.resources);
			for (AutoCloseable resource : this.resources) {
				resource.close();
			}
		}
	}

	@Test
	void fourInstancesHandingOverUnderInjectedFailuresLoseNothingAndNeverGoBack() throws Exception {
		LiveOutbox outbox = resource(LiveOutbox.create(Shape.GOHARVEST));
		String topic = this.infrastructure.newTopic("goharvest", 10);
		PublishedRecords published = resource(new PublishedRecords(topic, true));
		Faults faults = resource(new Faults(0.02, 0.02));
		SequencedWriter writer = resource(new SequencedWriter(outbox, topic, 12, 20, Duration.ofMillis(40), 7));
		writer.start();
		List<HarvesterNode> running = new ArrayList<>();
		running.add(start(HarvesterNode.builder(outbox, this.group, "node-1").faults(faults)).awaitLeading(LEAD));
		TimeUnit.SECONDS.sleep(3);
		for (int i = 2; i <= 4; i++) {
			running.add(start(HarvesterNode.builder(outbox, this.group, "node-" + i).faults(faults)));
			TimeUnit.SECONDS.sleep(2);
		}
		List<HandOver> handOvers = new ArrayList<>();
		while (running.size() > 1) {
			HarvesterNode leader = awaitSingleLeader(running);
			handOvers.add(stopLeader(leader, running));
			TimeUnit.SECONDS.sleep(2);
		}
		Map<String, Long> committed = writer.stop();
		await().atMost(Duration.ofSeconds(60)).until(() -> outbox.count() == 0);
		OrderChecker.Report report = published.awaitDelivered(committed, Duration.ofSeconds(60));
		long rows = committed.values().stream().mapToLong(Long::longValue).sum();
		logger.info("goharvest's scenario: " + rows + " rows over " + committed.size() + " keys; " + faults + "; "
				+ report + "; epochs published under: " + epochs(published));
		handOvers.forEach((handOver) -> logger.info(handOver.describe(published)));
		assertThat(report.isClean()).as(report.toString()).isTrue();
		assertThat(report.delivered()).isEqualTo(rows);
		assertThat(faults.sendFailures()).isPositive();
		assertThat(faults.notWritten()).isPositive();
		assertThat(faults.writtenButReportedFailed()).isPositive();
		assertThat(handOvers).hasSize(3);
		assertThat(epochs(published)).hasSizeGreaterThanOrEqualTo(4);
	}

	@Test
	void gracefulHandOverWhileRecordsFlowPublishesNoDuplicates() throws Exception {
		LiveOutbox outbox = resource(LiveOutbox.create(Shape.RECOMMENDED));
		String topic = this.infrastructure.newTopic("handover", 8);
		PublishedRecords published = resource(new PublishedRecords(topic, true));
		SequencedWriter writer = resource(new SequencedWriter(outbox, topic, 20, 10, Duration.ofMillis(10), 11));
		HarvesterNode first = start(HarvesterNode.builder(outbox, this.group, "first")).awaitLeading(LEAD);
		List<HarvesterNode> running = new ArrayList<>(List.of(first,
				start(HarvesterNode.builder(outbox, this.group, "second"))));
		writer.start();
		TimeUnit.SECONDS.sleep(4);
		assertThat(first.isLeader()).isTrue();
		assertThat(first.harvester().counters().published()).isPositive();
		HandOver handOver = stopLeader(first, running);
		TimeUnit.SECONDS.sleep(2);
		Map<String, Long> committed = writer.stop();
		await().atMost(Duration.ofSeconds(30)).until(() -> outbox.count() == 0);
		OrderChecker.Report report = published.awaitDelivered(committed, Duration.ofSeconds(30));
		logger.info("Graceful hand-over: " + writer.rows() + " rows; " + report + "; " + handOver.describe(published));
		assertThat(report.isClean()).as(report.toString()).isTrue();
		assertThat(report.duplicates()).isZero();
		assertThat(handOver.to()).isEqualTo("second");
		assertThat(epochs(published)).containsExactly(1L, 2L);
	}

	@Test
	void pausedFormerLeaderIsFencedByTheDatabaseAndCannotReMarkTheNewLeadersRows() throws Exception {
		LiveOutbox outbox = resource(LiveOutbox.create(Shape.RECOMMENDED));
		String topic = this.infrastructure.newTopic("paused", 4);
		PublishedRecords published = resource(new PublishedRecords(topic, true));
		HarvesterNode former = start(HarvesterNode.builder(outbox, this.group, "former").detachable())
			.awaitLeading(LEAD);
		Map<String, Long> committed = new LinkedHashMap<>();
		outbox.insertSequenced(topic, 10, 100, committed);
		await().atMost(Duration.ofSeconds(30)).until(() -> outbox.count() == 0);
		long publishedBefore = former.harvester().counters().published();
		UUID formerLeaderId = former.harvester().leaderId();

		// The former leader marks the next rows but cannot send them, then freezes while the
		// group moves on without it: it still believes it leads with epoch 1.
		former.election().withholdLease(true);
		outbox.insertSequenced(topic, 10, 200, committed);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> outbox.leaderIds().values().stream().allMatch(formerLeaderId::equals));
		former.harvester().pause();
		former.election().detach(Duration.ofSeconds(10));
		assertThat(former.isLeader()).isTrue();
		assertThat(former.harvester().epoch()).isEqualTo(1);

		// The new leader takes epoch 2 and claims the rows, but holds on to them for now.
		HarvesterNode successor = start(HarvesterNode.builder(outbox, this.group, "successor").leaseWithheld())
			.awaitLeading(LEAD);
		assertThat(successor.harvester().epoch()).isEqualTo(2);
		UUID successorLeaderId = successor.harvester().leaderId();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> outbox.leaderIds().values().stream().allMatch(successorLeaderId::equals));

		// The former leader wakes up and marks with its stale epoch: refused and fenced.
		former.harvester().resume();
		await().atMost(Duration.ofSeconds(10)).until(() -> !former.events(LeaderFenced.class).isEmpty());
		assertThat(former.events(LeaderFenced.class)).singleElement()
			.satisfies((fenced) -> assertThat(fenced.reason()).contains("stale epoch")
				.contains("database is at epoch 2"));
		assertThat(former.isLeader()).isFalse();
		assertThat(outbox.leaderIds()).hasSize(200).allSatisfy((id, leaderId) -> assertThat(leaderId)
			.isEqualTo(successorLeaderId));
		assertThat(former.harvester().counters().published()).isEqualTo(publishedBefore);

		successor.election().withholdLease(false);
		await().atMost(Duration.ofSeconds(30)).until(() -> outbox.count() == 0);
		OrderChecker.Report report = published.awaitDelivered(committed, Duration.ofSeconds(30));
		logger.info("Paused former leader: " + report + "; epochs published under: " + epochs(published));
		assertThat(report.isClean()).as(report.toString()).isTrue();
		assertThat(report.duplicates()).isZero();
		assertThat(former.harvester().counters().published()).isEqualTo(publishedBefore);
		assertThat(published.records()).filteredOn((record) -> PublishedRecords.sequence(record) >= 10)
			.hasSize(200)
			.allSatisfy((record) -> assertThat(PublishedRecords.epoch(record)).isEqualTo(2));
	}

	private <T extends AutoCloseable> T resource(T resource) {
		this.resources.add(resource);
		return resource;
	}

	private HarvesterNode start(HarvesterNode.Builder builder) {
		HarvesterNode node = builder.start();
		this.nodes.add(node);
		return node;
	}

	private static HarvesterNode awaitSingleLeader(List<HarvesterNode> running) {
		await().atMost(LEAD).until(() -> running.stream().filter(HarvesterNode::isLeader).count() == 1);
		return running.stream().filter(HarvesterNode::isLeader).findFirst().orElseThrow();
	}

	/**
	 * Stops the leader gracefully and waits for another instance to take a newer epoch.
	 */
	private static HandOver stopLeader(HarvesterNode leader, List<HarvesterNode> running) {
		long epoch = leader.harvester().epoch();
		long stoppedAtMillis = System.currentTimeMillis();
		long stoppedAtNanos = System.nanoTime();
		leader.stop();
		long stopTookNanos = System.nanoTime() - stoppedAtNanos;
		running.remove(leader);
		await().atMost(LEAD)
			.until(() -> running.stream().anyMatch((node) -> node.isLeader() && node.harvester().epoch() > epoch));
		HarvesterNode next = running.stream()
			.filter((node) -> node.isLeader() && node.harvester().epoch() > epoch)
			.findFirst()
			.orElseThrow();
		long nextEpoch = next.harvester().epoch();
		long acquiredAtNanos = Objects.requireNonNull(next.acquiredAtNanos(nextEpoch));
		return new HandOver(leader.name(), next.name(), nextEpoch, stoppedAtMillis, stopTookNanos,
				acquiredAtNanos - stoppedAtNanos);
	}

	private static List<Long> epochs(PublishedRecords published) {
		return published.records().stream().map(PublishedRecords::epoch).distinct().sorted().toList();
	}

	/**
	 * One leader stopping and another taking over.
	 *
	 * @param from the instance that stopped
	 * @param to the instance that took over
	 * @param epoch the new leader's epoch
	 * @param stoppedAtMillis wall-clock time the stop began
	 * @param stopTookNanos how long the graceful stop took (draining included)
	 * @param acquiredAfterNanos time from the stop to the new leader's epoch
	 */
	private record HandOver(String from, String to, long epoch, long stoppedAtMillis, long stopTookNanos,
			long acquiredAfterNanos) {

		/**
		 * Describes the hand-over, with the time to the new leader's first record, taken from
		 * the record's producer timestamp.
		 */
		String describe(PublishedRecords published) {
			long firstRecord = published.records()
				.stream()
				.filter((record) -> PublishedRecords.epoch(record) == this.epoch)
				.mapToLong(ConsumerRecord::timestamp)
				.min()
				.orElse(-1);
			return "hand-over " + this.from + " -> " + this.to + " (epoch " + this.epoch + "): stop took "
					+ TimeUnit.NANOSECONDS.toMillis(this.stopTookNanos) + " ms, new leader after "
					+ TimeUnit.NANOSECONDS.toMillis(this.acquiredAfterNanos) + " ms, its first record "
					+ ((firstRecord < 0) ? "none" : (firstRecord - this.stoppedAtMillis) + " ms") + " after the stop";
		}

	}

}
