package dev.harvest.outbox.harvest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.kafka.KafkaSenderShard;
import dev.harvest.outbox.test.OrderChecker;
import dev.harvest.outbox.test.TestInfrastructure;

/**
 * Reads a data topic from the beginning of every partition with a plain consumer and, when
 * values are per-key sequence numbers, feeds each record to an {@link OrderChecker} in the
 * order its partition holds it. Not thread-safe: used by the test thread only.
 */
final class PublishedRecords implements AutoCloseable {

	private static final Duration POLL = Duration.ofMillis(50);

	private final KafkaConsumer<String, byte[]> consumer;

	private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

	private final List<Long> receivedAtNanos = new ArrayList<>();

	private final OrderChecker checker = new OrderChecker();

	private final boolean sequenced;

	/**
	 * Starts reading a topic.
	 * @param topic the topic
	 * @param sequenced whether values are per-key sequence numbers to check
	 */
	PublishedRecords(String topic, boolean sequenced) {
		this.sequenced = sequenced;
		this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
				TestInfrastructure.get().bootstrapServers(), ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
				new StringDeserializer(), new ByteArrayDeserializer());
		List<TopicPartition> partitions = this.consumer.partitionsFor(topic)
			.stream()
			.map((info) -> new TopicPartition(topic, info.partition()))
			.toList();
		this.consumer.assign(partitions);
		this.consumer.seekToBeginning(partitions);
	}

	/**
	 * Polls until {@code condition} holds for the records received so far, or the timeout
	 * passes.
	 * @param condition what to wait for
	 * @param timeout the longest wait
	 * @return whether the condition holds
	 */
	boolean pollUntil(Predicate<PublishedRecords> condition, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.test(this)) {
			if (System.nanoTime() - deadline >= 0) {
				return false;
			}
			poll();
		}
		return true;
	}

	/**
	 * Polls for a while, collecting whatever arrives, for example trailing duplicates.
	 * @param duration how long to poll
	 */
	void pollFor(Duration duration) {
		long end = System.nanoTime() + duration.toNanos();
		while (System.nanoTime() - end < 0) {
			poll();
		}
	}

	/**
	 * Polls until every committed record has been delivered in order, then a little longer
	 * so that late duplicates show, and reports.
	 * @param committed the number of records committed per key
	 * @param timeout the longest wait for the records to arrive
	 * @return the order checker's report
	 */
	OrderChecker.Report awaitDelivered(Map<String, Long> committed, Duration timeout) {
		pollUntil((published) -> committed.entrySet()
			.stream()
			.allMatch((entry) -> this.checker.delivered(entry.getKey()) >= entry.getValue()), timeout);
		pollFor(Duration.ofMillis(500));
		return this.checker.report(committed);
	}

	private void poll() {
		for (ConsumerRecord<String, byte[]> record : this.consumer.poll(POLL)) {
			this.records.add(record);
			this.receivedAtNanos.add(System.nanoTime());
			if (this.sequenced) {
				this.checker.accept(record.key(), sequence(record));
			}
		}
	}

	List<ConsumerRecord<String, byte[]>> records() {
		return this.records;
	}

	int count() {
		return this.records.size();
	}

	/**
	 * Returns when the consumer received a record.
	 * @param index the record's index in {@link #records()}
	 * @return {@link System#nanoTime()} at receipt
	 */
	long receivedAtNanos(int index) {
		return this.receivedAtNanos.get(index);
	}

	/**
	 * Returns how many distinct records of a key arrived in order so far.
	 * @param key the key
	 * @return the count
	 */
	long delivered(String key) {
		return this.checker.delivered(key);
	}

	static long sequence(ConsumerRecord<String, byte[]> record) {
		return Long.parseLong(new String(record.value(), StandardCharsets.UTF_8));
	}

	static long outboxId(ConsumerRecord<String, byte[]> record) {
		return Long.parseLong(header(record, KafkaSenderShard.OUTBOX_ID_HEADER));
	}

	static long epoch(ConsumerRecord<String, byte[]> record) {
		return Long.parseLong(header(record, KafkaSenderShard.LEADER_EPOCH_HEADER));
	}

	static @Nullable String header(ConsumerRecord<String, byte[]> record, String key) {
		Header header = record.headers().lastHeader(key);
		return (header != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
	}

	@Override
	public void close() {
		this.consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
	}

}
