package dev.harvest.benchmarks;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;

import dev.harvest.outbox.harvest.Config;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.event.HarvestEvent;
import dev.harvest.outbox.harvest.event.LeaderAcquired;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.neli.LeaderTopic;

/**
 * One {@link Harvester} in this JVM, built the way the auto-configuration builds it: the
 * application's producer factory, consumer settings for the election, and a leader group of
 * its own. Remembers when it became the leader.
 */
final class HarvesterRun implements AutoCloseable {

	private static final Duration LEADER_TOPIC_TIMEOUT = Duration.ofSeconds(60);

	private final Harvester harvester;

	private final DefaultKafkaProducerFactory<String, byte[]> producerFactory;

	private final CountDownLatch acquired = new CountDownLatch(1);

	private volatile long acquiredNanos;

	private volatile long epoch;

	private HarvesterRun(DataSource dataSource, OutboxTable table, String bootstrapServers, Limits limits,
			Map<String, Object> producerSettings) {
		Map<String, Object> producer = new HashMap<>();
		producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
		producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		producer.putAll(producerSettings);
		this.producerFactory = new DefaultKafkaProducerFactory<>(producer);
		String group = Infrastructure.uniqueName("bench-harvest");
		Config config = Config.builder()
			.name(Infrastructure.uniqueName("bench"))
			.outboxTable(table)
			.leaderGroupId(group)
			.limits(limits)
			.build();
		LeaderTopic.ensureExists(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
				config.leaderTopic(), LEADER_TOPIC_TIMEOUT);
		this.harvester = new Harvester(dataSource, this.producerFactory,
				Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), config, this::onEvent);
	}

	/**
	 * Creates and starts a harvester.
	 * @param dataSource the outbox's database
	 * @param table the outbox table
	 * @param bootstrapServers Kafka
	 * @param limits the limits
	 * @param producerSettings extra Kafka producer settings, such as interceptors
	 * @return the running harvester
	 */
	static HarvesterRun start(DataSource dataSource, OutboxTable table, String bootstrapServers, Limits limits,
			Map<String, Object> producerSettings) {
		HarvesterRun run = new HarvesterRun(dataSource, table, bootstrapServers, limits, producerSettings);
		try {
			run.harvester.start();
		}
		catch (RuntimeException ex) {
			run.close();
			throw ex;
		}
		return run;
	}

	private void onEvent(HarvestEvent event) {
		if (event instanceof LeaderAcquired leaderAcquired && this.acquired.getCount() > 0) {
			this.acquiredNanos = System.nanoTime();
			this.epoch = leaderAcquired.epoch();
			this.acquired.countDown();
		}
	}

	/**
	 * Waits until this harvester leads.
	 * @param timeout the longest wait
	 * @return when it became the leader ({@link System#nanoTime()})
	 */
	long awaitLeadership(Duration timeout) {
		try {
			if (!this.acquired.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new IllegalStateException("The harvester did not become the leader within " + timeout);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for leadership", ex);
		}
		return this.acquiredNanos;
	}

	Harvester harvester() {
		return this.harvester;
	}

	long epoch() {
		return this.epoch;
	}

	/**
	 * Stops the harvester (bounded by its drain timeout) and closes the producers.
	 */
	@Override
	public void close() {
		try {
			this.harvester.stop();
		}
		finally {
			this.producerFactory.destroy();
		}
	}

}
