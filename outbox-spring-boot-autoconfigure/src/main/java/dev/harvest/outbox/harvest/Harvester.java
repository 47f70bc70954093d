package dev.harvest.outbox.harvest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.util.Assert;

import dev.harvest.outbox.harvest.event.HarvestEventListener;
import dev.harvest.outbox.harvest.event.MeterStats;
import dev.harvest.outbox.jdbc.OutboxStore;
import dev.harvest.outbox.jdbc.QuarantineStore;
import dev.harvest.outbox.kafka.KafkaSenderShard;
import dev.harvest.outbox.kafka.ShardProducerFactories;
import dev.harvest.outbox.neli.LeaderElection;
import dev.harvest.outbox.neli.NeliConfig;

/**
 * Publishes outbox rows to Kafka in per-key order while this instance is the elected leader,
 * and deletes each row once Kafka has acknowledged it. A {@link SmartLifecycle}: starting
 * returns at once, and stopping drains records in flight before letting go of leadership.
 *
 * <p>Threads: the election's own thread; a marker thread ({@code harvest-marker-<name>}) that
 * takes the epoch, marks rows and applies the poison policy; one thread per sender shard
 * ({@code harvest-send-<name>-<i>}), each with its own producer and bounded buffer; a purge
 * thread ({@code harvest-purge-<name>}) that deletes acknowledged rows in batches; and an event
 * thread ({@code harvest-events-<name>}) that hands record and key events to the listener.
 * Producer callbacks only update memory.
 */
public final class Harvester implements SmartLifecycle {

	/**
	 * Default lifecycle phase: stops after the web server and before executors and the Kafka
	 * producer factory.
	 */
	public static final int DEFAULT_PHASE = Integer.MAX_VALUE - 4096;

	/** Time a stop may take beyond the drain timeout to close the election and threads. */
	static final Duration STOP_MARGIN = Duration.ofSeconds(5);

	private static final long THREAD_JOIN_RESERVE_NANOS = TimeUnit.SECONDS.toNanos(2);

	private static final Log logger = LogFactory.getLog(Harvester.class);

	private final OutboxStore store;

	private final QuarantineStore quarantineStore;

	private final LeaderElection election;

	private final IntFunction<? extends ProducerFactory<String, byte[]>> shardProducerFactories;

	private final @Nullable WakeUpSource wakeUps;

	private final Config config;

	private final Meter meter;

	private final Pipeline pipeline;

	private final LeadershipTransitions leadership;

	private final Purger purger;

	private final EventRelay recordEvents;

	private final LastMarkRecorder lastMarks;

	private final Clock clock;

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private final List<Thread> threads = new ArrayList<>();

	private final List<Runnable> stopCallbacks = new ArrayList<>();

	private volatile HarvestState state = HarvestState.CREATED;

	private volatile int phase = DEFAULT_PHASE;

	/**
	 * Creates a harvester for the outbox in {@code dataSource}, publishing through producers
	 * derived from {@code producerFactory} and electing its leader with a consumer built from
	 * {@code consumerProperties}.
	 * @param dataSource the database holding the outbox table
	 * @param producerFactory the application's producer factory; each sender shard gets a copy
	 * forced to idempotent {@code String}/{@code byte[]} producers
	 * @param consumerProperties Kafka consumer properties for the leader election
	 * @param config what to harvest and how
	 * @param listener told about leadership changes and throughput
	 */
	public Harvester(DataSource dataSource, ProducerFactory<?, ?> producerFactory,
			Map<String, Object> consumerProperties, Config config, HarvestEventListener listener) {
		this(HarvesterComponents.outboxStore(checkDataSource(dataSource), checkConfig(config).outboxTable()),
				HarvesterComponents.quarantineStore(dataSource, config.outboxTable()),
				HarvesterComponents.leaderElection(NeliConfig.from(config), consumerProperties,
						checkProducerFactory(producerFactory).getConfigurationProperties()),
				shardProducerFactories(producerFactory, config)::forShard,
				config.listenForNotifications() ? HarvesterComponents.notifications(dataSource, config.outboxTable())
						: null,
				config, listener);
	}

	Harvester(OutboxStore store, QuarantineStore quarantineStore, LeaderElection election,
			IntFunction<? extends ProducerFactory<String, byte[]>> shardProducerFactories,
			@Nullable WakeUpSource wakeUps, Config config, HarvestEventListener listener) {
		this(store, quarantineStore, election, shardProducerFactories, wakeUps, config, listener,
				new RetryBackoff(config.retry().initialBackoff(), config.retry().maxBackoff()), Clock.systemUTC());
	}

	Harvester(OutboxStore store, QuarantineStore quarantineStore, LeaderElection election,
			IntFunction<? extends ProducerFactory<String, byte[]>> shardProducerFactories,
			@Nullable WakeUpSource wakeUps, Config config, HarvestEventListener listener, RetryBackoff retryBackoff,
			Clock clock) {
		Assert.notNull(store, "'store' must not be null");
		Assert.notNull(quarantineStore, "'quarantineStore' must not be null");
		Assert.notNull(election, "'election' must not be null");
		Assert.notNull(shardProducerFactories, "'shardProducerFactories' must not be null");
		Assert.notNull(config, "'config' must not be null");
		Assert.notNull(listener, "'listener' must not be null");
		this.store = store;
		this.quarantineStore = quarantineStore;
		this.election = election;
		this.shardProducerFactories = shardProducerFactories;
		this.wakeUps = wakeUps;
		this.config = config;
		HarvestEvents events = new HarvestEvents(config.name(), listener);
		this.clock = clock;
		this.meter = new Meter("throughput", clock);
		this.recordEvents = new EventRelay(config.name(), events);
		this.pipeline = new Pipeline(config, retryBackoff, this.meter, this.recordEvents, clock);
		this.leadership = new LeadershipTransitions(this.pipeline, events, config);
		this.purger = new Purger(this.pipeline, store, this.leadership, this.meter, events, config);
		this.lastMarks = new LastMarkRecorder(store, config, clock);
	}

	private static DataSource checkDataSource(DataSource dataSource) {
		Assert.notNull(dataSource, "'dataSource' must not be null");
		return dataSource;
	}

	private static Config checkConfig(Config config) {
		Assert.notNull(config, "'config' must not be null");
		return config;
	}

	private static ProducerFactory<?, ?> checkProducerFactory(ProducerFactory<?, ?> producerFactory) {
		Assert.notNull(producerFactory, "'producerFactory' must not be null");
		return producerFactory;
	}

	/**
	 * Sets the lifecycle phase; only before the harvester starts.
	 * @param phase the phase
	 */
	public void setPhase(int phase) {
		requireCreated("phase");
		this.phase = phase;
	}

	/**
	 * Has the leader write the time of its latest mark to its row of {@code harvest_leader} at
	 * most this often, so that other instances can tell whether it is still marking; nothing is
	 * written unless this is set. Only before the harvester starts.
	 * @param interval the least time between two writes
	 */
	public void setMarkRecordingInterval(Duration interval) {
		Assert.isTrue(interval != null && !interval.isNegative() && !interval.isZero(),
				"'interval' must be positive");
		requireCreated("mark recording interval");
		this.lastMarks.setInterval(interval);
	}

	private void requireCreated(String what) {
		this.lifecycleLock.lock();
		try {
			Assert.state(this.state == HarvestState.CREATED,
					() -> "The " + what + " of harvester '" + this.config.name() + "' can only be set before it starts");
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Starts electing and, when leader, harvesting; returns at once. Starting a running
	 * harvester does nothing.
	 * @throws IllegalStateException when the harvester was stopped
	 */
	@Override
	public void start() {
		this.lifecycleLock.lock();
		try {
			if (this.state == HarvestState.RUNNING) {
				return;
			}
			Assert.state(this.state == HarvestState.CREATED, () -> "Harvester '" + this.config.name()
					+ "' was stopped and cannot be started again; create a new one");
			this.meter.restart();
			String name = this.config.name();
			Quarantine quarantine = new Quarantine(this.pipeline, this.leadership, this.store, this.quarantineStore,
					this.config, this.recordEvents, this.clock);
			this.threads.add(new Thread(
					new Marker(this.pipeline, this.leadership, this.store, quarantine, this.config, this.wakeUps,
							this.lastMarks),
					"harvest-marker-" + name));
			for (int i = 0; i < this.config.limits().sendConcurrency(); i++) {
				KafkaSenderShard shard = new KafkaSenderShard(i, this.config.leaderGroupId(),
						this.shardProducerFactories.apply(i));
				this.threads.add(new Thread(new ShardSender(shard, this.pipeline, this.election, name),
						"harvest-send-" + name + "-" + i));
			}
			this.threads.add(new Thread(this.purger, "harvest-purge-" + name));
			this.recordEvents.start();
			this.threads.forEach(Thread::start);
			try {
				this.election.start(this.leadership);
			}
			catch (RuntimeException ex) {
				this.pipeline.shutdown();
				joinThreads(System.nanoTime() + THREAD_JOIN_RESERVE_NANOS);
				this.recordEvents.close(Duration.ofNanos(THREAD_JOIN_RESERVE_NANOS));
				this.state = HarvestState.STOPPED;
				throw ex;
			}
			this.state = HarvestState.RUNNING;
			logger.info("Harvester '" + name + "' started: outbox " + this.config.outboxTable() + ", leader group '"
					+ this.config.leaderGroupId() + "', " + this.config.limits().sendConcurrency() + " sender shard(s)");
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Stops and waits for it, at most the drain timeout plus a small margin.
	 */
	@Override
	public void stop() {
		CountDownLatch stopped = new CountDownLatch(1);
		stop(stopped::countDown);
		try {
			long timeout = this.config.limits().drainTimeout().plus(STOP_MARGIN).plusSeconds(1).toNanos();
			if (!stopped.await(timeout, TimeUnit.NANOSECONDS)) {
				logger.warn("Harvester '" + this.config.name() + "' did not stop in time");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Stops marking, drains records in flight for up to the drain timeout, purges what was
	 * acknowledged, lets go of leadership and stops every thread, then runs {@code callback}
	 * once, on another thread. Also runs the callback when already stopped.
	 * @param callback run when stopped
	 */
	@Override
	public void stop(Runnable callback) {
		Assert.notNull(callback, "'callback' must not be null");
		boolean runNow = false;
		this.lifecycleLock.lock();
		try {
			switch (this.state) {
				case CREATED, STOPPED -> {
					this.state = HarvestState.STOPPED;
					runNow = true;
				}
				case STOPPING -> this.stopCallbacks.add(callback);
				case RUNNING -> {
					this.state = HarvestState.STOPPING;
					this.stopCallbacks.add(callback);
					Thread stopper = new Thread(this::shutDown, "harvest-stop-" + this.config.name());
					stopper.start();
				}
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
		if (runNow) {
			callback.run();
		}
	}

	private void shutDown() {
		long begin = System.nanoTime();
		long drainDeadline = begin + this.config.limits().drainTimeout().toNanos();
		long finalDeadline = drainDeadline + STOP_MARGIN.toNanos();
		logger.info("Harvester '" + this.config.name() + "' is stopping");
		try {
			this.leadership.stopping(drainDeadline);
			this.pipeline.beginStop();
			if (!this.pipeline.awaitInFlightDrained(drainDeadline)) {
				logger.warn("Harvester '" + this.config.name() + "' stops with " + this.pipeline.inFlight()
						+ " record(s) still in flight; the next leader may publish them again");
			}
			this.pipeline.flush(drainDeadline);
			closeElection(Duration.ofNanos(Math.max(finalDeadline - System.nanoTime() - THREAD_JOIN_RESERVE_NANOS,
					TimeUnit.MILLISECONDS.toNanos(100))));
			this.leadership.revokeIfStillHeld();
			closeWakeUps();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (RuntimeException ex) {
			logger.error("Harvester '" + this.config.name() + "' failed while stopping", ex);
		}
		finally {
			this.pipeline.shutdown();
			joinThreads(finalDeadline);
			this.recordEvents.close(Duration.ofNanos(Math.max(finalDeadline - System.nanoTime(), 0))
				.plusMillis(100));
			finishStop();
		}
	}

	private void closeElection(Duration timeout) {
		try {
			this.election.close(timeout);
		}
		catch (RuntimeException ex) {
			logger.warn("Harvester '" + this.config.name() + "' could not close its leader election", ex);
		}
	}

	private void closeWakeUps() {
		WakeUpSource source = this.wakeUps;
		if (source != null) {
			try {
				source.close();
			}
			catch (RuntimeException ex) {
				logger.warn("Harvester '" + this.config.name() + "' could not stop listening for notifications", ex);
			}
		}
	}

	private void joinThreads(long deadlineNanos) {
		for (Thread thread : this.threads) {
			try {
				long remaining = deadlineNanos - System.nanoTime();
				if (remaining > 0) {
					thread.join(Math.max(TimeUnit.NANOSECONDS.toMillis(remaining), 1));
				}
				if (thread.isAlive()) {
					logger.warn("Harvester thread " + thread.getName() + " did not finish in time; interrupting it");
					thread.interrupt();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void finishStop() {
		List<Runnable> callbacks;
		this.lifecycleLock.lock();
		try {
			this.state = HarvestState.STOPPED;
			callbacks = new ArrayList<>(this.stopCallbacks);
			this.stopCallbacks.clear();
		}
		finally {
			this.lifecycleLock.unlock();
		}
		logger.info("Harvester '" + this.config.name() + "' stopped");
		for (Runnable callback : callbacks) {
			try {
				callback.run();
			}
			catch (RuntimeException ex) {
				logger.warn("Stop callback of harvester '" + this.config.name() + "' failed", ex);
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.state == HarvestState.RUNNING;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

	@Override
	public boolean isAutoStartup() {
		return true;
	}

	/**
	 * Returns the lifecycle state.
	 * @return the state
	 */
	public HarvestState state() {
		return this.state;
	}

	/**
	 * Whether this instance currently leads: it holds an epoch and marks and sends.
	 * @return {@code true} when leading
	 */
	public boolean isLeader() {
		return this.pipeline.isLeading();
	}

	/**
	 * Returns the leader id stamped on the rows this instance marks; kept while a revoke
	 * drains, cleared when leadership ends.
	 * @return the leader id, or {@code null} when not leader
	 */
	public @Nullable UUID leaderId() {
		Term term = this.pipeline.term();
		return (term != null) ? term.leaderId() : null;
	}

	/**
	 * Returns the leadership epoch this instance holds; like the leader id, kept while a
	 * revoke drains.
	 * @return the epoch, or 0 when this instance holds no leadership term
	 */
	public long epoch() {
		Term term = this.pipeline.term();
		return (term != null) ? term.epoch() : 0;
	}

	/**
	 * Derives the shards' producer factories; a send may block for at most half the heartbeat
	 * timeout, so that a leader whose lease runs out can abort what its producers hold soon.
	 * @param producerFactory the application's producer factory
	 * @param config the harvester's configuration
	 * @return the shard factories
	 */
	static ShardProducerFactories shardProducerFactories(ProducerFactory<?, ?> producerFactory, Config config) {
		return new ShardProducerFactories(producerFactory, config.name(),
				config.limits().heartbeatTimeout().dividedBy(2));
	}

	/**
	 * Returns when this instance last sent one of its own leader heartbeats that it read
	 * back, while it leads.
	 * @return the time, or {@code null} when not leading
	 */
	public @Nullable Instant lastHeartbeat() {
		return this.election.lastHeartbeat();
	}

	/**
	 * Returns when this instance last ran its mark statement as leader, whether or not it found
	 * rows; a paused leader, or one whose marks fail, falls behind.
	 * @return the time, or {@code null} when it never marked
	 */
	public @Nullable Instant lastMarkTime() {
		return this.lastMarks.lastMark();
	}

	/**
	 * Returns the number of records handed to a sender shard and not yet acknowledged.
	 * @return the records in flight
	 */
	public int inFlightRecords() {
		return this.pipeline.inFlight();
	}

	/**
	 * Returns the record keys with a record in flight; at most one record per key is.
	 * @return the keys
	 */
	public Set<String> inFlightRecordKeys() {
		return this.pipeline.inFlightKeys();
	}

	/**
	 * Returns the number of records marked and waiting in memory to be sent, including those
	 * whose key is busy, backing off or held.
	 * @return the queued records
	 */
	public int queuedRecords() {
		return this.pipeline.queued();
	}

	public Config config() {
		return this.config;
	}

	/**
	 * Returns the throughput since the harvester started and since the last
	 * {@link dev.harvest.outbox.harvest.event.MeterRead} event.
	 * @return the current figures
	 */
	public MeterStats meterStats() {
		return this.meter.peek();
	}

	/**
	 * Returns the number of keys this leader holds back because one of their records could
	 * not be published (held, parked, or waiting for the poison policy).
	 * @return the held keys, 0 when not leading
	 */
	public int heldKeys() {
		return this.pipeline.counters().heldKeys();
	}

	/**
	 * Asks the leader to compare its held keys with the quarantine table now rather than at
	 * its next check, for example right after an operator retried, released or replayed a
	 * key. Does nothing when not leading.
	 */
	public void checkHeldKeys() {
		this.pipeline.checkHoldsNow();
	}

	/**
	 * Returns running totals for metrics.
	 * @return the counters
	 */
	public HarvestCounters counters() {
		return this.pipeline.counters();
	}

	/**
	 * Sets who is told about acknowledgements and statement timings, e.g. a metrics binder. May
	 * be called at any time.
	 * @param observer the observer
	 */
	public void setObserver(HarvestObserver observer) {
		Assert.notNull(observer, "'observer' must not be null");
		this.pipeline.setObserver(observer);
	}

	/**
	 * Stops marking and sending new records while keeping leadership; records in flight
	 * finish.
	 */
	public void pause() {
		this.pipeline.pause();
		logger.info("Harvester '" + this.config.name() + "' paused");
	}

	/**
	 * Resumes marking and sending after {@link #pause()}.
	 */
	public void resume() {
		this.pipeline.resume();
		logger.info("Harvester '" + this.config.name() + "' resumed");
	}

	public boolean isPaused() {
		return this.pipeline.isPaused();
	}

	/**
	 * Asks the leader to look for new rows now rather than after its idle backoff, for
	 * example because a row was just committed.
	 */
	public void wakeUp() {
		this.pipeline.wakeUp();
	}

	/**
	 * Returns the last error the harvester ran into (and recovered from), for health checks.
	 * @return the error, or {@code null} when none occurred
	 */
	public @Nullable HarvestError lastError() {
		return this.pipeline.lastError();
	}

}
