package dev.harvest.outbox.neli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.neli.RecordingListener.Event;
import dev.harvest.outbox.neli.RecordingListener.Kind;
import dev.harvest.outbox.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link KafkaLeaderElection} on a real broker: election, failover,
 * churn, fencing and recovery.
 */
class KafkaLeaderElectionIntegrationTests {

	private static final Log logger = LogFactory.getLog(KafkaLeaderElectionIntegrationTests.class);

	private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(1);

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final String group = TestInfrastructure.uniqueName("neli-group");

	private final String topic = TestInfrastructure.uniqueName("neli-topic");

	private final List<KafkaLeaderElection> elections = new CopyOnWriteArrayList<>();

	private final List<AutoCloseable> resources = new ArrayList<>();

	@AfterEach
	void closeEverything() throws Exception {
		for (KafkaLeaderElection election : this.elections) {
			election.close(Duration.ofSeconds(10));
		}
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
	}

	@Test
	void singleInstanceLeadsWithAValidLeaseOnACreatedSinglePartitionTopic() throws Exception {
		long start = System.nanoTime();
		RecordingListener listener = new RecordingListener("pod-a");
		KafkaLeaderElection election = start("pod-a", listener);
		await().atMost(WAIT).until(() -> listener.count(Kind.ACQUIRED) == 1);
		assertThat(election.hasValidLease()).isTrue();
		logger.info("Single instance led after " + millisSince(start) + " ms, including topic creation");
		await().atMost(WAIT).until(() -> election.lastHeartbeat() != null);
		assertThat(election.isLeader()).isTrue();
		assertThat(election.leaderSince()).isNotNull();
		assertThat(election.termNonce()).isNotNull();
		assertThat(listener.events()).extracting(Event::kind).containsExactly(Kind.ACQUIRED);

		Admin admin = admin();
		TopicDescription description = admin.describeTopics(List.of(this.topic))
			.allTopicNames()
			.get(10, TimeUnit.SECONDS)
			.get(this.topic);
		assertThat(description.partitions()).hasSize(1);
		ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, this.topic);
		Config config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
		assertThat(config.get("cleanup.policy").value()).isEqualTo("delete");
		assertThat(config.get("retention.ms").value()).isEqualTo("3600000");
	}

	@Test
	void oneOfThreeLeadsAtATimeAndAFollowerTakesOverWhenTheLeaderCloses() {
		List<Event> timeline = new CopyOnWriteArrayList<>();
		List<KafkaLeaderElection> members = new ArrayList<>();
		List<RecordingListener> listeners = new ArrayList<>();
		for (String name : List.of("pod-a", "pod-b", "pod-c")) {
			RecordingListener listener = new RecordingListener(name, timeline);
			listeners.add(listener);
			members.add(start(name, listener));
		}
		LeaderCountSampler sampler = new LeaderCountSampler(members);
		this.resources.add(sampler);

		await().atMost(WAIT).until(() -> leaders(members).size() == 1);
		for (int round = 1; round <= 2; round++) {
			KafkaLeaderElection leader = leaders(members).get(0);
			RecordingListener leaderListener = listeners.get(members.indexOf(leader));
			long closeStart = System.nanoTime();
			leader.close(Duration.ofSeconds(10));
			long closeMillis = millisSince(closeStart);
			members.remove(leader);
			listeners.remove(leaderListener);
			await().atMost(WAIT).until(() -> {
				List<KafkaLeaderElection> current = leaders(members);
				return current.size() == 1 && listeners.get(members.indexOf(current.get(0))).count(Kind.ACQUIRED) > 0;
			});
			KafkaLeaderElection successor = leaders(members).get(0);
			RecordingListener successorListener = listeners.get(members.indexOf(successor));
			Event revoked = leaderListener.last(Kind.REVOKED);
			Event acquired = successorListener.last(Kind.ACQUIRED);
			assertThat(revoked.sequence()).isLessThan(acquired.sequence());
			long failoverMillis = TimeUnit.NANOSECONDS.toMillis(acquired.nanos() - closeStart);
			logger.info("Failover " + round + ": " + leaderListener.instance() + " closed in " + closeMillis
					+ " ms, " + successorListener.instance() + " acquired " + failoverMillis
					+ " ms after close began");
			assertThat(failoverMillis).isLessThan(HEARTBEAT_TIMEOUT.multipliedBy(3).toMillis());
			await().atMost(WAIT).until(successor::hasValidLease);
		}
		assertThat(sampler.samples()).isGreaterThan(100);
		assertThat(sampler.mostLeadersSeen()).isOne();
	}

	@Test
	void followersJoiningAndLeavingDoNotDisturbTheLeader() {
		Admin admin = admin();
		RecordingListener leaderListener = new RecordingListener("pod-a");
		KafkaLeaderElection leader = start("pod-a", leaderListener);
		awaitSteadyLeader(leader);
		awaitStableGroup(admin, 1);
		UUID term = leader.termNonce();
		int eventsBefore = leaderListener.events().size();
		LeaseLapseSampler lapses = new LeaseLapseSampler(leader);
		this.resources.add(lapses);

		RecordingListener listenerB = new RecordingListener("pod-b");
		KafkaLeaderElection joinerB = start("pod-b", listenerB);
		awaitStableGroup(admin, 2);
		RecordingListener listenerC = new RecordingListener("pod-c");
		start("pod-c", listenerC);
		awaitStableGroup(admin, 3);
		joinerB.close(Duration.ofSeconds(10));
		awaitStableGroup(admin, 2);
		RecordingListener listenerD = new RecordingListener("pod-d");
		start("pod-d", listenerD);
		awaitStableGroup(admin, 3);
		await().during(HEARTBEAT_TIMEOUT).atMost(WAIT).until(leader::hasValidLease);

		assertThat(leaderListener.events()).hasSize(eventsBefore);
		assertThat(leader.termNonce()).isEqualTo(term);
		assertThat(lapses.lapses()).as("samples without a valid lease").isZero();
		assertThat(listenerB.events()).isEmpty();
		assertThat(listenerC.events()).isEmpty();
		assertThat(listenerD.events()).isEmpty();
	}

	@Test
	void cutHeartbeatsFenceTheLeaderAndRestoredOnesResumeIt() {
		HeartbeatCuttingClients clients = cuttingClients("pod-a");
		RecordingListener listener = new RecordingListener("pod-a");
		KafkaLeaderElection election = start("pod-a", clients, listener);
		awaitSteadyLeader(election);
		UUID term = election.termNonce();
		int eventsBefore = listener.events().size();

		long cutAt = System.nanoTime();
		clients.cut(true);
		await().atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> !election.hasValidLease());
		long leaseLapsedMillis = millisSince(cutAt);
		await().atMost(WAIT).until(() -> kindsAfter(listener, eventsBefore).contains(Kind.FENCED));
		long fencedMillis = TimeUnit.NANOSECONDS.toMillis(listener.last(Kind.FENCED).nanos() - cutAt);
		assertThat(election.isLeader()).isFalse();
		assertThat(election.hasValidLease()).isFalse();
		assertThat(fencedMillis).isBetween(HEARTBEAT_TIMEOUT.toMillis() / 2, HEARTBEAT_TIMEOUT.toMillis() * 2);

		long restoredAt = System.nanoTime();
		clients.cut(false);
		await().atMost(WAIT).until(() -> kindsAfter(listener, eventsBefore).contains(Kind.ACQUIRED));
		assertThat(election.hasValidLease()).isTrue();
		long resumedMillis = TimeUnit.NANOSECONDS.toMillis(listener.last(Kind.ACQUIRED).nanos() - restoredAt);
		logger.info("Heartbeats cut: lease invalid after " + leaseLapsedMillis + " ms, fenced after " + fencedMillis
				+ " ms (heartbeat timeout " + HEARTBEAT_TIMEOUT.toMillis() + " ms); resumed " + resumedMillis
				+ " ms after heartbeats were restored");
		assertThat(kindsAfter(listener, eventsBefore)).containsExactly(Kind.FENCED, Kind.ACQUIRED);
		assertThat(election.termNonce()).isNotEqualTo(term);
	}

	@Test
	void foreignRecordsOnPartitionZeroDoNotKeepACutOffLeaderAlive() {
		HeartbeatCuttingClients clients = cuttingClients("pod-a");
		RecordingListener listener = new RecordingListener("pod-a");
		KafkaLeaderElection election = start("pod-a", clients, listener);
		awaitSteadyLeader(election);
		UUID term = election.termNonce();
		// Another group sharing the leader topic: its leader's heartbeats land on partition 0.
		String otherGroup = TestInfrastructure.uniqueName("neli-other");
		KafkaLeaderElection neighbour = start(otherGroup, "pod-a", new RecordingListener("neighbour"));
		await().atMost(WAIT).until(neighbour::hasValidLease);
		ForeignTraffic traffic = new ForeignTraffic(term);
		this.resources.add(traffic);
		await().atMost(WAIT).until(() -> traffic.written() > 20);
		int eventsBefore = listener.events().size();

		clients.cut(true);
		await().atMost(WAIT).until(election::isFenced);
		int writtenAtFence = traffic.written();
		// Within the session timeout of the lost lease: after it, the member rejoins the group.
		await().during(HEARTBEAT_TIMEOUT)
			.atMost(WAIT)
			.until(() -> election.isFenced() && !election.hasValidLease());
		assertThat(traffic.written()).isGreaterThan(writtenAtFence + 20);
		assertThat(neighbour.hasValidLease()).isTrue();
		assertThat(kindsAfter(listener, eventsBefore)).containsExactly(Kind.FENCED);
	}

	@Test
	void throwingListenerDoesNotBreakTheElection() {
		HeartbeatCuttingClients clients = cuttingClients("pod-a");
		RecordingListener throwing = new RecordingListener("pod-a").throwing();
		KafkaLeaderElection election = start("pod-a", clients, throwing);
		awaitSteadyLeader(election);
		int eventsBefore = throwing.events().size();
		RecordingListener follower = new RecordingListener("pod-b");
		KafkaLeaderElection successor = start("pod-b", follower);
		awaitStableGroup(admin(), 2);

		clients.cut(true);
		await().atMost(WAIT).until(election::isFenced);
		clients.cut(false);
		await().atMost(WAIT).until(() -> kindsAfter(throwing, eventsBefore).contains(Kind.ACQUIRED));
		election.close(Duration.ofSeconds(10));
		await().atMost(WAIT).until(() -> follower.count(Kind.ACQUIRED) == 1);
		assertThat(successor.isLeader()).isTrue();
		assertThat(kindsAfter(throwing, eventsBefore)).containsExactly(Kind.FENCED, Kind.ACQUIRED, Kind.REVOKED);
		assertThat(follower.events()).extracting(Event::kind).containsExactly(Kind.ACQUIRED);
	}

	private KafkaLeaderElection start(String name, LeadershipListener listener) {
		return start(this.group, name, listener);
	}

	private KafkaLeaderElection start(String group, String name, LeadershipListener listener) {
		KafkaLeaderElection election = new KafkaLeaderElection(config(group, name), connection(), connection());
		return started(election, listener);
	}

	private KafkaLeaderElection start(String name, HeartbeatCuttingClients clients, LeadershipListener listener) {
		return started(new KafkaLeaderElection(config(this.group, name), clients), listener);
	}

	private KafkaLeaderElection started(KafkaLeaderElection election, LeadershipListener listener) {
		this.elections.add(election);
		election.start(listener);
		return election;
	}

	private HeartbeatCuttingClients cuttingClients(String name) {
		return new HeartbeatCuttingClients(config(this.group, name), connection(), connection());
	}

	private NeliConfig config(String group, String name) {
		return new NeliConfig(group, this.topic, name, Duration.ofMillis(1), Duration.ofMillis(100),
				Duration.ofMillis(500), HEARTBEAT_TIMEOUT);
	}

	private Map<String, Object> connection() {
		return Map.of("bootstrap.servers", this.infrastructure.bootstrapServers());
	}

	private Admin admin() {
		Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
				this.infrastructure.bootstrapServers()));
		this.resources.add(() -> admin.close(Duration.ofSeconds(5)));
		return admin;
	}

	private void awaitStableGroup(Admin admin, int members) {
		await().atMost(WAIT).until(() -> {
			ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(this.group))
				.all()
				.get(10, TimeUnit.SECONDS)
				.get(this.group);
			return description.groupState() == GroupState.STABLE && description.members().size() == members;
		});
	}

	/**
	 * Waits until the leader has read back its own heartbeats with a valid lease for a whole
	 * heartbeat timeout, past the first round trips of a cold client.
	 */
	private static void awaitSteadyLeader(KafkaLeaderElection leader) {
		await().atMost(WAIT).until(() -> leader.lastHeartbeat() != null);
		await().during(HEARTBEAT_TIMEOUT).atMost(WAIT).until(leader::hasValidLease);
	}

	private static List<Kind> kindsAfter(RecordingListener listener, int eventsBefore) {
		List<Event> events = listener.events();
		return events.subList(eventsBefore, events.size()).stream().map(Event::kind).toList();
	}

	private static List<KafkaLeaderElection> leaders(List<KafkaLeaderElection> members) {
		return members.stream().filter(KafkaLeaderElection::isLeader).toList();
	}

	private static long millisSince(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	/**
	 * Counts, every few milliseconds on its own thread, how many of the members think they
	 * lead.
	 */
	private static final class LeaderCountSampler implements AutoCloseable {

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicInteger mostLeaders = new AtomicInteger();

		private final AtomicInteger samples = new AtomicInteger();

		private final Thread thread;

		LeaderCountSampler(List<KafkaLeaderElection> members) {
			List<KafkaLeaderElection> all = List.copyOf(members);
			this.thread = new Thread(() -> {
				while (this.running.get()) {
					int leaders = (int) all.stream().filter(KafkaLeaderElection::isLeader).count();
					this.mostLeaders.accumulateAndGet(leaders, Math::max);
					this.samples.incrementAndGet();
					sleep(2);
				}
			}, "leader-count-sampler");
			this.thread.start();
		}

		int mostLeadersSeen() {
			return this.mostLeaders.get();
		}

		int samples() {
			return this.samples.get();
		}

		@Override
		public void close() {
			this.running.set(false);
			join(this.thread);
		}

	}

	/**
	 * Counts samples in which a leader's lease was not valid.
	 */
	private static final class LeaseLapseSampler implements AutoCloseable {

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicInteger lapses = new AtomicInteger();

		private final Thread thread;

		LeaseLapseSampler(KafkaLeaderElection leader) {
			this.thread = new Thread(() -> {
				while (this.running.get()) {
					if (!leader.hasValidLease()) {
						this.lapses.incrementAndGet();
					}
					sleep(2);
				}
			}, "lease-lapse-sampler");
			this.thread.start();
		}

		int lapses() {
			return this.lapses.get();
		}

		@Override
		public void close() {
			this.running.set(false);
			join(this.thread);
		}

	}

	/**
	 * Writes records to partition 0 of the leader topic that must not count as the leader's
	 * heartbeats: garbage, goNELI-style heartbeats, and well-formed heartbeats of another
	 * instance, of another term, and of another group with the leader's term.
	 */
	private final class ForeignTraffic implements AutoCloseable {

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicInteger written = new AtomicInteger();

		private final KafkaProducer<byte[], byte[]> producer;

		private final Thread thread;

		ForeignTraffic(UUID leaderTerm) {
			this.producer = new KafkaProducer<>(
					Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
							KafkaLeaderElectionIntegrationTests.this.infrastructure.bootstrapServers()),
					new ByteArraySerializer(), new ByteArraySerializer());
			String group = KafkaLeaderElectionIntegrationTests.this.group;
			String topic = KafkaLeaderElectionIntegrationTests.this.topic;
			this.thread = new Thread(() -> {
				long sequence = 0;
				while (this.running.get()) {
					long now = System.currentTimeMillis();
					List<byte[][]> records = List.of(
							new byte[][] { null, "garbage".getBytes(StandardCharsets.UTF_8) },
							new byte[][] { null, (now * 1_000_000 + "%pod-a").getBytes(StandardCharsets.UTF_8) },
							keyAndValue(new Heartbeat(group, "pod-b", UUID.randomUUID(), sequence, now, System.nanoTime())),
							keyAndValue(new Heartbeat(group, "pod-a", UUID.randomUUID(), sequence, now, System.nanoTime())),
							keyAndValue(new Heartbeat("another-group", "pod-a", leaderTerm, sequence, now,
									System.nanoTime())));
					for (byte[][] record : records) {
						this.producer.send(new ProducerRecord<>(topic, 0, now, record[0], record[1]),
								(metadata, exception) -> {
									if (exception == null) {
										this.written.incrementAndGet();
									}
								});
					}
					sequence++;
					sleep(20);
				}
			}, "foreign-traffic");
			this.thread.start();
		}

		private static byte[][] keyAndValue(Heartbeat heartbeat) {
			return new byte[][] { heartbeat.key(), heartbeat.value() };
		}

		int written() {
			return this.written.get();
		}

		@Override
		public void close() {
			this.running.set(false);
			join(this.thread);
			this.producer.close(Duration.ofSeconds(5));
		}

	}

	private static void join(Thread thread) {
		try {
			thread.join(5000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
