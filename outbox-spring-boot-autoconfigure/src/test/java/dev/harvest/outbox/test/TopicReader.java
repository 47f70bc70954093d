package dev.harvest.outbox.test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Reads every partition of a topic from the beginning on a thread of its own, without a
 * consumer group, and hands each record to a handler with the time it arrived.
 */
public final class TopicReader implements AutoCloseable {

	private final KafkaConsumer<String, byte[]> consumer;

	private final Handler handler;

	private final Thread thread;

	private final AtomicLong received = new AtomicLong();

	private volatile boolean running = true;

	private volatile @Nullable Throwable failure;

	private TopicReader(String bootstrapServers, String topic, Handler handler) {
		this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
				ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000),
				new StringDeserializer(), new ByteArrayDeserializer());
		try {
			List<TopicPartition> partitions = this.consumer.partitionsFor(topic, Duration.ofSeconds(30))
				.stream()
				.map((info) -> new TopicPartition(topic, info.partition()))
				.toList();
			this.consumer.assign(partitions);
			this.consumer.seekToBeginning(partitions);
		}
		catch (RuntimeException ex) {
			this.consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
			throw ex;
		}
		this.handler = handler;
		this.thread = new Thread(this::read, "topic-reader-" + topic);
	}

	/**
	 * Starts reading a topic.
	 * @param bootstrapServers Kafka
	 * @param topic the topic
	 * @param handler takes each record, on the reader's thread
	 * @return the running reader
	 */
	public static TopicReader start(String bootstrapServers, String topic, Handler handler) {
		TopicReader reader = new TopicReader(bootstrapServers, topic, handler);
		reader.thread.start();
		return reader;
	}

	private void read() {
		try {
			while (this.running) {
				for (ConsumerRecord<String, byte[]> record : this.consumer.poll(Duration.ofMillis(200))) {
					long now = System.nanoTime();
					this.received.incrementAndGet();
					this.handler.accept(record, now);
				}
			}
		}
		catch (WakeupException ex) {
			// closing
		}
		catch (Throwable ex) {
			this.failure = ex;
		}
		finally {
			this.consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
		}
	}

	public long received() {
		return this.received.get();
	}

	/**
	 * Throws what stopped the reader, if anything did.
	 */
	public void check() {
		Throwable failed = this.failure;
		if (failed != null) {
			throw new IllegalStateException("Reading the topic failed", failed);
		}
	}

	@Override
	public void close() {
		this.running = false;
		this.consumer.wakeup();
		try {
			this.thread.join(10_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Takes records as they arrive.
	 */
	@FunctionalInterface
	public interface Handler {

		/**
		 * Takes one record.
		 * @param record the record
		 * @param receivedNanos {@link System#nanoTime()} when it arrived
		 */
		void accept(ConsumerRecord<String, byte[]> record, long receivedNanos);

	}

}
