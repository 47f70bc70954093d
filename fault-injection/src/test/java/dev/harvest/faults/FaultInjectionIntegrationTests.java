package dev.harvest.faults;

import java.time.Duration;
import java.util.Map;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.harvest.faults.Accounting.Figures;
import dev.harvest.faults.Fleet.Leader;
import dev.harvest.faults.OutboxWriters.Poison;
import dev.harvest.faults.Scenario.Result;
import dev.harvest.outbox.test.ReaperProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Harvest's promises under the faults operators see, across real processes: harvesters are
 * standalone reapers in JVMs of their own, writers insert keyed, sequence-numbered rows with
 * plain JDBC (some committing late, some rolling back), and every committed record is
 * accounted for in the end: delivered without any key going back, or held behind a poison
 * record. Each scenario repeats its fault while records flow and reports its figures.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIntegrationTests {

	private static final Duration STEADY = Duration.ofSeconds(3);

	private static final Duration SESSION_TIMEOUT = Fleet.HEARTBEAT_TIMEOUT.multipliedBy(3);

	private static final Duration KAFKA_OUTAGE = Duration.ofSeconds(12);

	private static final Duration DATABASE_OUTAGE = Duration.ofSeconds(5);

	private static final Duration PARTITION = Duration.ofSeconds(12);

	private static final Duration PAUSE = SESSION_TIMEOUT.plusSeconds(3);

	/** A fence must come within the heartbeat timeout; this much more allows for a busy machine. */
	private static final Duration FENCE_SLACK = Duration.ofSeconds(1);

	/** The data topic's largest record batch; poison values are larger. */
	private static final int MAX_MESSAGE_BYTES = 65_536;

	private static FaultInfrastructure infrastructure;

	private static final FaultReport report = new FaultReport();

	@BeforeAll
	static void startInfrastructure() {
		infrastructure = FaultInfrastructure.start();
	}

	@AfterAll
	static void stopInfrastructure() {
		try {
			report.complete();
		}
		finally {
			infrastructure.close();
		}
	}

	@Test
	@Order(1)
	void killedLeaderIsReplacedAndNothingIsLostOrReordered() {
		try (Scenario scenario = begin("kill", "SIGKILL of the leader mid-stream, restarted afterwards")) {
			scenario.startHarvesters(0, 1);
			scenario.startWriting();
			for (int i = 0; i < 3; i++) {
				killLeader(scenario, 2);
			}
			scenario.steady(STEADY);
			assertPromisesHeld(scenario.finish("from SIGKILL to the first record under the new leader's epoch"));
		}
	}

	@Test
	@Order(2)
	void rollingGracefulRestartOfThreeInstancesPublishesNoDuplicates() {
		try (Scenario scenario = begin("rolling", "SIGTERM and restart of each of three instances in turn")) {
			scenario.startHarvesters(0, 1, 2);
			scenario.startWriting();
			for (int slot = 0; slot < 3; slot++) {
				scenario.steady(STEADY);
				Leader leader = scenario.leader();
				ReaperProcess process = scenario.fleet().process(slot);
				long stopped = System.nanoTime();
				process.terminate();
				if (process.name().equals(leader.name())) {
					scenario.repeated(scenario.log().awaitEpochAbove(leader.epoch(), stopped, Scenario.FAILOVER_TIMEOUT));
				}
				assertThat(process.awaitExit(30)).as("%s stopped within 30 s; see %s", process.name(), process.log())
					.isTrue();
				scenario.fleet().start(slot);
				scenario.fleet().awaitMembers(3, Scenario.START_TIMEOUT);
			}
			scenario.steady(STEADY);
			Result result = scenario.finish("from SIGTERM of the leader to the first record under the new epoch");
			assertPromisesHeld(result);
			assertThat(result.figures().duplicates()).as("duplicates after graceful hand-overs: %s", result).isZero();
			assertThat(result.repetitions()).as("leader hand-overs").isPositive();
		}
	}

	@Test
	@Order(3)
	void kafkaUnavailableToEveryHarvesterLosesNothing() {
		try (Scenario scenario = begin("kafka-down",
				"every harvester's connections to Kafka reset and refused for " + KAFKA_OUTAGE.toSeconds() + " s")) {
			scenario.startHarvesters(0, 1);
			scenario.startWriting();
			for (int i = 0; i < 2; i++) {
				scenario.steady(STEADY);
				infrastructure.kafkaProxies().forEach(TcpProxy::cut);
				Scenario.pause(KAFKA_OUTAGE);
				long committed = scenario.ledger().highestOutboxId();
				long healed = System.nanoTime();
				infrastructure.kafkaProxies().forEach(TcpProxy::restore);
				scenario.repeated(scenario.log().awaitOutboxIdAbove(committed, healed, Scenario.FAILOVER_TIMEOUT));
				scenario.fleet().awaitMembers(2, Scenario.START_TIMEOUT);
			}
			scenario.steady(STEADY);
			assertPromisesHeld(scenario.finish(
					"from Kafka's return to the first record of a row committed after the outage"));
		}
	}

	@Test
	@Order(4)
	void databaseConnectionsCutMidStreamLoseNothing() {
		try (Scenario scenario = begin("db-down", "every connection to PostgreSQL (harvesters' and writers') reset"
				+ " and refused for " + DATABASE_OUTAGE.toSeconds() + " s")) {
			scenario.startHarvesters(0, 1);
			scenario.startWriting();
			for (int i = 0; i < 3; i++) {
				scenario.steady(STEADY);
				infrastructure.databaseProxy().cut();
				Scenario.pause(DATABASE_OUTAGE);
				long committed = scenario.ledger().highestOutboxId();
				long healed = System.nanoTime();
				infrastructure.databaseProxy().restore();
				scenario.repeated(scenario.log().awaitOutboxIdAbove(committed, healed, Scenario.FAILOVER_TIMEOUT));
			}
			scenario.steady(STEADY);
			assertPromisesHeld(scenario.finish(
					"from the database's return to the first record of a row committed after the outage"));
		}
	}

	@Test
	@Order(5)
	void leaderPartitionedFromKafkaFencesItselfAndNoKeyGoesBackWhenHealed() {
		try (Scenario scenario = begin("partition",
				"the leader alone cut off from Kafka for " + PARTITION.toSeconds() + " s, then healed")) {
			scenario.startHarvesters(0, 1);
			scenario.startWriting();
			for (int i = 0; i < 2; i++) {
				scenario.steady(STEADY);
				Leader leader = scenario.leader();
				int slot = scenario.fleet().slotOf(leader.name());
				long logOffset = scenario.fleet().logOffset(slot);
				long cutMillis = System.currentTimeMillis();
				long cut = System.nanoTime();
				infrastructure.kafkaProxy(slot).cut();
				long fencedMillis = scenario.fleet().awaitFenced(slot, logOffset, Scenario.FAILOVER_TIMEOUT);
				assertThat(Duration.ofMillis(fencedMillis - cutMillis)).as("%s fenced itself after the cut", leader.name())
					.isLessThanOrEqualTo(Fleet.HEARTBEAT_TIMEOUT.plus(FENCE_SLACK));
				scenario.repeated(scenario.log().awaitEpochAbove(leader.epoch(), cut, Scenario.FAILOVER_TIMEOUT));
				Scenario.pause(Duration.ofNanos(Math.max(0, cut + PARTITION.toNanos() - System.nanoTime())));
				infrastructure.kafkaProxy(slot).restore();
				scenario.fleet().awaitMembers(2, Scenario.START_TIMEOUT);
			}
			scenario.steady(STEADY);
			assertPromisesHeld(scenario.finish("from the cut to the first record under the new leader's epoch"));
		}
	}

	@Test
	@Order(6)
	void pausedLeaderIsReplacedAndNoKeyGoesBackWhenItResumes() {
		try (Scenario scenario = begin("pause",
				"SIGSTOP of the leader for " + PAUSE.toSeconds() + " s (session timeout " + SESSION_TIMEOUT.toSeconds()
						+ " s), then SIGCONT")) {
			scenario.startHarvesters(0, 1);
			scenario.startWriting();
			for (int i = 0; i < 2; i++) {
				scenario.steady(STEADY);
				Leader leader = scenario.leader();
				int slot = scenario.fleet().slotOf(leader.name());
				ReaperProcess process = scenario.fleet().process(slot);
				long logOffset = scenario.fleet().logOffset(slot);
				long paused = System.nanoTime();
				process.pause();
				scenario.repeated(scenario.log().awaitEpochAbove(leader.epoch(), paused, Scenario.FAILOVER_TIMEOUT));
				Scenario.pause(Duration.ofNanos(Math.max(0, paused + PAUSE.toNanos() - System.nanoTime())));
				process.resume();
				scenario.fleet().awaitFenced(slot, logOffset, Scenario.FAILOVER_TIMEOUT);
				scenario.fleet().awaitMembers(2, Scenario.START_TIMEOUT);
			}
			scenario.steady(STEADY);
			assertPromisesHeld(scenario.finish("from SIGSTOP to the first record under the new leader's epoch"));
		}
	}

	@Test
	@Order(7)
	void poisonRecordsDuringLeaderKillsAreHeldOrQuarantinedAndNothingElseIsLost() {
		Map<String, String> smallRecords = Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES));
		try (Scenario scenario = begin("poison", "poison records (values above max.message.bytes, an invalid topic)"
				+ " mixed in, with SIGKILL of the leader", smallRecords)) {
			scenario.startHarvesters(0, 1);
			scenario.startWriting();
			scenario.writers().poison(Poison.TOO_LARGE);
			scenario.writers().poison(Poison.INVALID_TOPIC);
			for (int i = 0; i < 2; i++) {
				scenario.writers().poison(Poison.TOO_LARGE);
				killLeader(scenario, 2);
			}
			scenario.writers().poison(Poison.TOO_LARGE);
			scenario.writers().poison(Poison.INVALID_TOPIC);
			scenario.steady(STEADY);
			Result result = scenario.finish("from SIGKILL to the first record under the new leader's epoch");
			assertPromisesHeld(result);
			Figures figures = result.figures();
			assertThat(result.totals().poisonRecords()).as("poison records written").isEqualTo(6);
			assertThat(figures.poison()).as("poison records committed").isEqualTo(6);
			assertThat(figures.held() + figures.quarantined()).as("held or quarantined: %s", figures)
				.isGreaterThanOrEqualTo(figures.poison());
		}
	}

	private static Scenario begin(String name, String fault) {
		return begin(name, fault, Map.of());
	}

	private static Scenario begin(String name, String fault, Map<String, String> topicConfigs) {
		return Scenario.begin(infrastructure, name, fault, topicConfigs);
	}

	/**
	 * Kills the leader after a steady period, waits for its successor's first record, and
	 * starts the killed instance again.
	 */
	private static void killLeader(Scenario scenario, int instances) {
		scenario.steady(STEADY);
		Leader leader = scenario.leader();
		int slot = scenario.fleet().slotOf(leader.name());
		ReaperProcess process = scenario.fleet().process(slot);
		long killed = System.nanoTime();
		process.kill();
		scenario.repeated(scenario.log().awaitEpochAbove(leader.epoch(), killed, Scenario.FAILOVER_TIMEOUT));
		assertThat(process.awaitExit(10)).as("%s exited after SIGKILL", process.name()).isTrue();
		scenario.fleet().start(slot);
		scenario.fleet().awaitMembers(instances, Scenario.START_TIMEOUT);
	}

	/**
	 * Every committed record accounted for, no key going back, nothing published that never
	 * committed, and no healthy record quarantined.
	 */
	private static void assertPromisesHeld(Result result) {
		report.add(result);
		Figures figures = result.figures();
		SoftAssertions softly = new SoftAssertions();
		String context = figures + "; harvester logs: " + result.logs();
		softly.assertThat(figures.lost()).as("lost records: %s", context).isZero();
		softly.assertThat(figures.regressions()).as("regressions: %s", context).isZero();
		softly.assertThat(figures.gaps()).as("records ahead of an earlier one of their key: %s", context).isZero();
		softly.assertThat(figures.phantoms()).as("rolled-back records published: %s", context).isZero();
		softly.assertThat(figures.quarantinedHealthy()).as("healthy records quarantined: %s", context).isZero();
		softly.assertThat(figures.written()).as("records written").isPositive();
		softly.assertThat(result.totals().rolledBackRecords()).as("records rolled back").isPositive();
		softly.assertThat(result.totals().lateCommits()).as("late commits").isPositive();
		softly.assertAll();
	}

}
