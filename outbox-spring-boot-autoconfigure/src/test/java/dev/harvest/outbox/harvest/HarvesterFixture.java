package dev.harvest.outbox.harvest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import org.springframework.kafka.mock.MockProducerFactory;

import dev.harvest.outbox.harvest.event.HarvestEvent;
import dev.harvest.outbox.harvest.event.HarvestEventListener;
import dev.harvest.outbox.kafka.KafkaSenderShard;

import static org.awaitility.Awaitility.await;

/**
 * A harvester wired to fakes: an in-memory outbox, a leader election the test drives, and
 * Kafka mock producers that complete only when the test says so.
 */
final class HarvesterFixture implements AutoCloseable {

	static final String GROUP = "harvest-test";

	static final String TOPIC = "orders";

	final FakeOutboxStore store = new FakeOutboxStore();

	final FakeLeaderElection election = new FakeLeaderElection();

	final List<HarvestEvent> events = new CopyOnWriteArrayList<>();

	final Config config;

	final Harvester harvester;

	private final List<List<MockProducer<String, byte[]>>> producers = new ArrayList<>();

	HarvesterFixture() {
		this((limits) -> limits, (retry) -> retry, (event) -> {
		});
	}

	HarvesterFixture(UnaryOperator<Limits.Builder> limits) {
		this(limits, (retry) -> retry, (event) -> {
		});
	}

	HarvesterFixture(UnaryOperator<Limits.Builder> limits, UnaryOperator<RetryPolicy> retry,
			HarvestEventListener listener) {
		Limits.Builder builder = Limits.builder()
			.ioErrorBackoff(Duration.ofMillis(20))
			.markBackoff(Duration.ofMillis(1))
			.maxMarkBackoff(Duration.ofMillis(20))
			.sendConcurrency(1)
			.drainTimeout(Duration.ofSeconds(3))
			.purgeInterval(Duration.ofMillis(5))
			.headRescanInterval(Duration.ofMillis(50))
			.minMetricsInterval(Duration.ofSeconds(5));
		RetryPolicy retryPolicy = retry.apply(new RetryPolicy(Duration.ofMillis(10), Duration.ofMillis(40), 0,
				RetryPolicy.DEFAULT_POISON_MAX_ATTEMPTS, PoisonPolicy.HOLD_KEY));
		this.config = Config.builder()
			.name("test")
			.leaderGroupId(GROUP)
			.limits(limits.apply(builder).build())
			.retry(retryPolicy)
			.listenForNotifications(false)
			.build();
		for (int i = 0; i < this.config.limits().sendConcurrency(); i++) {
			this.producers.add(new CopyOnWriteArrayList<>());
		}
		HarvestEventListener recording = (event) -> {
			this.events.add(event);
			listener.onEvent(event);
		};
		this.harvester = new Harvester(this.store, this.store, this.election,
				(shard) -> new MockProducerFactory<>(() -> newProducer(shard)), null, this.config, recording,
				new RetryBackoff(retryPolicy.initialBackoff(), retryPolicy.maxBackoff()), Clock.systemUTC());
	}

	private MockProducer<String, byte[]> newProducer(int shard) {
		MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
				new ByteArraySerializer());
		this.producers.get(shard).add(producer);
		return producer;
	}

	/**
	 * Starts the harvester and makes it leader.
	 * @return this fixture
	 */
	HarvesterFixture startLeading() {
		this.harvester.start();
		lead();
		return this;
	}

	void lead() {
		try {
			this.election.acquire().get(5, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		await().atMost(Duration.ofSeconds(5)).until(this.harvester::isLeader);
	}

	/**
	 * Returns the current producer of a shard, waiting for it to be created.
	 * @param shard the shard
	 * @return the producer
	 */
	MockProducer<String, byte[]> producer(int shard) {
		List<MockProducer<String, byte[]>> created = this.producers.get(shard);
		await().atMost(Duration.ofSeconds(5)).until(() -> !created.isEmpty());
		return created.get(created.size() - 1);
	}

	MockProducer<String, byte[]> producer() {
		return producer(0);
	}

	int producersCreated(int shard) {
		return this.producers.get(shard).size();
	}

	/**
	 * Returns everything sent by every producer of every shard, as outbox ids.
	 * @return the ids in send order per producer
	 */
	List<Long> sentIds() {
		List<Long> ids = new ArrayList<>();
		for (List<MockProducer<String, byte[]>> shardProducers : this.producers) {
			for (MockProducer<String, byte[]> producer : shardProducers) {
				producer.history().forEach((record) -> ids.add(outboxId(record)));
			}
		}
		return ids;
	}

	int sentCount() {
		return sentIds().size();
	}

	void awaitSent(int count) {
		await().atMost(Duration.ofSeconds(5)).until(() -> sentCount() >= count);
	}

	static long outboxId(ProducerRecord<String, byte[]> record) {
		Header header = record.headers().lastHeader(KafkaSenderShard.OUTBOX_ID_HEADER);
		return Long.parseLong(new String(header.value(), StandardCharsets.UTF_8));
	}

	<T extends HarvestEvent> List<T> events(Class<T> type) {
		return this.events.stream().filter(type::isInstance).map(type::cast).toList();
	}

	void forEachProducer(Consumer<MockProducer<String, byte[]>> action) {
		this.producers.forEach((shardProducers) -> shardProducers.forEach(action));
	}

	/**
	 * Stops the harvester, acknowledging whatever is still in flight so that tests do not
	 * wait for the drain timeout.
	 */
	@Override
	public void close() throws InterruptedException {
		CountDownLatch stopped = new CountDownLatch(1);
		this.harvester.stop(stopped::countDown);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (!stopped.await(10, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
			forEachProducer((producer) -> {
				while (!producer.closed() && producer.completeNext()) {
					// Acknowledge everything outstanding.
				}
			});
		}
	}

}
