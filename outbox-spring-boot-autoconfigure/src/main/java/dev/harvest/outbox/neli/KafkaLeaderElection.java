package dev.harvest.outbox.neli;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Leader election over a Kafka consumer group, as in goNELI: whoever is assigned partition 0 of
 * the single-partition leader topic leads, for as long as it reads back its own heartbeats.
 * Everything runs on one dedicated thread, {@code harvest-neli-<instanceName>}.
 */
public final class KafkaLeaderElection implements LeaderElection {

	private static final Log logger = LogFactory.getLog(KafkaLeaderElection.class);

	private final NeliConfig config;

	private final Leadership leadership;

	private final ElectionLoop loop;

	private final AtomicBoolean started = new AtomicBoolean();

	private final AtomicBoolean closed = new AtomicBoolean();

	private volatile @Nullable Thread thread;

	/**
	 * Creates an election; nothing connects before {@link #start(LeadershipListener)}.
	 * <p>
	 * The given settings are kept, with these forced on top. Consumer: {@code group.id},
	 * {@code group.protocol=classic},
	 * {@code partition.assignment.strategy=CooperativeStickyAssignor} (members joining or
	 * leaving do not move partition 0 off a healthy leader), {@code enable.auto.commit=false},
	 * {@code auto.offset.reset=latest}, {@code allow.auto.create.topics=false},
	 * {@code session.timeout.ms} = three heartbeat timeouts, {@code heartbeat.interval.ms} = a
	 * third of the heartbeat timeout, byte-array deserializers, and
	 * {@code client.id=<client.id or harvest>-neli-<instanceName>}; {@code group.instance.id}
	 * and {@code group.remote.assignor} are removed. Producer: {@code acks=1},
	 * {@code enable.idempotence=false}, {@code linger.ms=0}, {@code delivery.timeout.ms} and
	 * {@code request.timeout.ms} = the heartbeat timeout, {@code max.block.ms} = a fifth of the
	 * heartbeat timeout but at most half the max poll interval, byte-array serializers, and
	 * {@code client.id=<client.id or harvest>-neli-heartbeats-<instanceName>};
	 * {@code transactional.id} is removed. The leader topic is created, when missing, with the
	 * admin settings found among the consumer settings.
	 * @param config the election settings
	 * @param consumerProperties connection settings for the group consumer (bootstrap
	 * servers, security, client id prefix); also used to create the leader topic
	 * @param producerProperties connection settings for the heartbeat producer
	 */
	public KafkaLeaderElection(NeliConfig config, Map<String, Object> consumerProperties,
			Map<String, Object> producerProperties) {
		this(config, new KafkaElectionClients(validated(config), consumerProperties, producerProperties));
	}

	KafkaLeaderElection(NeliConfig config, ElectionClients clients) {
		this.config = validated(config);
		this.leadership = new Leadership(config);
		this.loop = new ElectionLoop(config, clients, this.leadership);
	}

	@Override
	public void start(LeadershipListener listener) {
		Objects.requireNonNull(listener, "listener");
		if (this.closed.get()) {
			throw new IllegalStateException("Leader election of '" + this.config.instanceName() + "' is closed");
		}
		if (!this.started.compareAndSet(false, true)) {
			throw new IllegalStateException(
					"Leader election of '" + this.config.instanceName() + "' is already started");
		}
		this.leadership.listener(listener);
		Thread electionThread = new Thread(this.loop, "harvest-neli-" + this.config.instanceName());
		// Closing is the way to stop; a forgotten election must not keep the JVM alive.
		electionThread.setDaemon(true);
		this.thread = electionThread;
		electionThread.start();
	}

	@Override
	public boolean isLeader() {
		return this.leadership.isLeader();
	}

	@Override
	public boolean hasValidLease() {
		return this.leadership.hasValidLease();
	}

	/**
	 * Whether this instance still owns partition 0 but stopped leading because its own
	 * heartbeats did not come back in time.
	 * @return {@code true} when fenced
	 */
	public boolean isFenced() {
		return this.leadership.isFenced();
	}

	/**
	 * Returns when the current leadership term began (acquired or resumed).
	 * @return the start of the term, or {@code null} when not leader
	 */
	public @Nullable Instant leaderSince() {
		return this.leadership.leaderSince();
	}

	/**
	 * Returns the send time of the newest own heartbeat read back in the current term.
	 * @return the time, or {@code null} when none was read back or not leader
	 */
	@Override
	public @Nullable Instant lastHeartbeat() {
		return this.leadership.lastHeartbeat();
	}

	/**
	 * Returns the random nonce of the current term, carried in every heartbeat of the term; a
	 * new one is minted on each acquisition and resumption.
	 * @return the nonce, or {@code null} when partition 0 is not assigned
	 */
	public @Nullable UUID termNonce() {
		return this.leadership.term();
	}

	/**
	 * Returns the settings of this election.
	 * @return the settings
	 */
	public NeliConfig config() {
		return this.config;
	}

	@Override
	public void close(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		if (this.closed.compareAndSet(false, true)) {
			this.loop.requestStop(deadline);
		}
		Thread electionThread = this.thread;
		if (electionThread == null || electionThread == Thread.currentThread()) {
			// Never started, or closed by a listener: the loop ends once the callback returns.
			return;
		}
		try {
			TimeUnit.NANOSECONDS.timedJoin(electionThread, deadline - System.nanoTime());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (electionThread.isAlive()) {
			logger.warn("Leader election thread " + electionThread.getName() + " did not stop within " + timeout
					+ "; interrupting it");
			electionThread.interrupt();
		}
	}

	private static NeliConfig validated(NeliConfig config) {
		requireText("groupId", config.groupId());
		requireText("topic", config.topic());
		requireText("instanceName", config.instanceName());
		requirePositive("pollDuration", config.pollDuration());
		requirePositive("minPollInterval", config.minPollInterval());
		requirePositive("maxPollInterval", config.maxPollInterval());
		requirePositive("heartbeatTimeout", config.heartbeatTimeout());
		if (config.heartbeatTimeout().compareTo(config.minPollInterval()) <= 0) {
			throw new IllegalArgumentException("heartbeatTimeout (" + config.heartbeatTimeout()
					+ ") must be greater than minPollInterval (" + config.minPollInterval() + ")");
		}
		return config;
	}

	private static void requireText(String name, @Nullable String value) {
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException(name + " must not be empty");
		}
	}

	private static void requirePositive(String name, @Nullable Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be positive (was " + value + ")");
		}
	}

}
