package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.ProducerFactory;

import dev.harvest.outbox.harvest.FaultInjectingProducerFactory.Faults;
import dev.harvest.outbox.harvest.event.HarvestEvent;
import dev.harvest.outbox.harvest.event.HarvestEventListener;
import dev.harvest.outbox.harvest.event.LeaderAcquired;
import dev.harvest.outbox.kafka.ShardProducerFactories;
import dev.harvest.outbox.neli.LeaderElection;
import dev.harvest.outbox.neli.NeliConfig;
import dev.harvest.outbox.test.TestInfrastructure;

import static org.awaitility.Awaitility.await;

/**
 * One harvester instance against the real database and broker, as a separate application
 * would run it: its own connection pool, its own producers, its own election member. Records
 * the events it emits with the time they came.
 */
final class HarvesterNode {

	/** Heartbeat timeout of test instances: short, yet safe from spurious fences on a busy machine. */
	private static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(2);

	private final String name;

	private final Harvester harvester;

	private final List<TimedEvent> events;

	private final @Nullable DetachableElection detachable;

	private HarvesterNode(String name, Harvester harvester, List<TimedEvent> events,
			@Nullable DetachableElection detachable) {
		this.name = name;
		this.harvester = harvester;
		this.events = events;
		this.detachable = detachable;
	}

	/**
	 * Starts describing an instance with short test limits and notifications off.
	 * @param outbox the outbox to harvest
	 * @param group the leader group
	 * @param name the instance name
	 * @return a builder
	 */
	static Builder builder(LiveOutbox outbox, String group, String name) {
		return new Builder(outbox, group, name);
	}

	String name() {
		return this.name;
	}

	Harvester harvester() {
		return this.harvester;
	}

	/**
	 * Returns the election wrapper of an instance built with {@link Builder#detachable()}.
	 * @return the election
	 */
	DetachableElection election() {
		if (this.detachable == null) {
			throw new IllegalStateException(this.name + " was not built with a detachable election");
		}
		return this.detachable;
	}

	boolean isLeader() {
		return this.harvester.isLeader();
	}

	/**
	 * Waits until this instance leads.
	 * @param timeout the longest wait
	 * @return this instance
	 */
	HarvesterNode awaitLeading(Duration timeout) {
		await().atMost(timeout).until(this.harvester::isLeader);
		return this;
	}

	<T extends HarvestEvent> List<T> events(Class<T> type) {
		return this.events.stream().map(TimedEvent::event).filter(type::isInstance).map(type::cast).toList();
	}

	/**
	 * Returns when this instance announced leadership with the given epoch.
	 * @param epoch the epoch
	 * @return {@link System#nanoTime()} of the event, or {@code null} when there was none
	 */
	@Nullable Long acquiredAtNanos(long epoch) {
		return this.events.stream()
			.filter((timed) -> timed.event() instanceof LeaderAcquired acquired && acquired.epoch() == epoch)
			.map(TimedEvent::nanos)
			.findFirst()
			.orElse(null);
	}

	/**
	 * Stops gracefully and waits for it.
	 */
	void stop() {
		this.harvester.stop();
	}

	/**
	 * Stops instances together, as a fleet shuts down, waiting for all of them.
	 * @param nodes the instances
	 */
	static void stopAll(List<HarvesterNode> nodes) {
		CountDownLatch stopped = new CountDownLatch(nodes.size());
		for (HarvesterNode node : nodes) {
			node.harvester.stop(stopped::countDown);
		}
		try {
			if (!stopped.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Harvesters did not stop in time");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * An event and when it came.
	 *
	 * @param nanos {@link System#nanoTime()} at the event
	 * @param event the event
	 */
	record TimedEvent(long nanos, HarvestEvent event) {
	}

	/**
	 * Describes an instance.
	 */
	static final class Builder {

		private final LiveOutbox outbox;

		private final String group;

		private final String name;

		private UnaryOperator<Limits.Builder> limits = UnaryOperator.identity();

		private RetryPolicy retry = new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(500), 0,
				RetryPolicy.DEFAULT_POISON_MAX_ATTEMPTS, PoisonPolicy.HOLD_KEY);

		private boolean notifications;

		private @Nullable Faults faults;

		private boolean detachable;

		private boolean leaseWithheld;

		private boolean paused;

		private Builder(LiveOutbox outbox, String group, String name) {
			this.outbox = outbox;
			this.group = group;
			this.name = name;
		}

		/**
		 * Adjusts the test limits.
		 * @param limits applied on top of the test limits
		 * @return this builder
		 */
		Builder limits(UnaryOperator<Limits.Builder> limits) {
			this.limits = limits;
			return this;
		}

		/**
		 * Sets how failed sends are retried and what happens to poison records.
		 * @param retry the retry policy
		 * @return this builder
		 */
		Builder retry(RetryPolicy retry) {
			this.retry = retry;
			return this;
		}

		Builder notifications(boolean notifications) {
			this.notifications = notifications;
			return this;
		}

		/**
		 * Sends through producers that fail some sends.
		 * @param faults the faults to inject
		 * @return this builder
		 */
		Builder faults(Faults faults) {
			this.faults = faults;
			return this;
		}

		/**
		 * Elects through a {@link DetachableElection}.
		 * @return this builder
		 */
		Builder detachable() {
			this.detachable = true;
			return this;
		}

		/**
		 * Elects through a {@link DetachableElection} that withholds the lease from the
		 * start, so that the instance marks rows but sends nothing.
		 * @return this builder
		 */
		Builder leaseWithheld() {
			this.detachable = true;
			this.leaseWithheld = true;
			return this;
		}

		/**
		 * Starts paused: the instance may win the election and take an epoch, but marks and
		 * sends nothing until resumed.
		 * @return this builder
		 */
		Builder paused() {
			this.paused = true;
			return this;
		}

		private Config config() {
			Limits.Builder builder = Limits.builder()
				.heartbeatTimeout(HEARTBEAT_TIMEOUT)
				.ioErrorBackoff(Duration.ofMillis(100))
				.markBackoff(Duration.ofMillis(5))
				.maxMarkBackoff(Duration.ofMillis(100))
				.headRescanInterval(Duration.ofMillis(500))
				.drainTimeout(Duration.ofSeconds(5))
				.minMetricsInterval(Duration.ofSeconds(1));
			return Config.builder()
				.name(this.name)
				.outboxTable(this.outbox.table())
				.leaderGroupId(this.group)
				.limits(this.limits.apply(builder).build())
				.retry(this.retry)
				.listenForNotifications(this.notifications)
				.build();
		}

		/**
		 * Creates and starts the instance.
		 * @return the running instance
		 */
		HarvesterNode start() {
			Config config = config();
			List<TimedEvent> events = new CopyOnWriteArrayList<>();
			HarvestEventListener listener = (event) -> events.add(new TimedEvent(System.nanoTime(), event));
			DataSource dataSource = this.outbox.newDataSource(4);
			DefaultKafkaProducerFactory<String, String> producerFactory = new DefaultKafkaProducerFactory<>(
					Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.get().bootstrapServers(),
							ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
							ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
			Map<String, Object> consumerProperties = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
					TestInfrastructure.get().bootstrapServers());
			Harvester harvester;
			DetachableElection election = null;
			if (this.faults == null && !this.detachable) {
				// The production path: the public constructor wires the real components.
				harvester = new Harvester(dataSource, producerFactory, consumerProperties, config, listener);
			}
			else {
				LeaderElection real = HarvesterComponents.leaderElection(NeliConfig.from(config), consumerProperties,
						producerFactory.getConfigurationProperties());
				election = this.detachable ? new DetachableElection(real) : null;
				if (election != null) {
					election.withholdLease(this.leaseWithheld);
				}
				ShardProducerFactories shards = Harvester.shardProducerFactories(producerFactory, config);
				Faults injected = this.faults;
				IntFunction<? extends ProducerFactory<String, byte[]>> shardFactories = (injected != null)
						? (shard) -> new FaultInjectingProducerFactory(shards.forShard(shard), injected)
						: shards::forShard;
				harvester = new Harvester(HarvesterComponents.outboxStore(dataSource, config.outboxTable()),
						HarvesterComponents.quarantineStore(dataSource, config.outboxTable()),
						(election != null) ? election : real, shardFactories,
						config.listenForNotifications()
								? HarvesterComponents.notifications(dataSource, config.outboxTable()) : null,
						config, listener);
			}
			if (this.paused) {
				harvester.pause();
			}
			harvester.start();
			return new HarvesterNode(this.name, harvester, events, election);
		}

	}

}
