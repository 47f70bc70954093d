package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.jspecify.annotations.Nullable;

/**
 * Election clients backed by Kafka's {@link MockConsumer}: heartbeats sent are appended to
 * partition 0 of the current consumer unless switched off, and rebalances are driven by the
 * test through poll tasks, on the election thread.
 */
final class FakeElectionClients implements ElectionClients {

	private final String topic;

	private final TopicPartition partitionZero;

	private final List<RecordingConsumer> consumers = new CopyOnWriteArrayList<>();

	private final AtomicInteger topicChecks = new AtomicInteger();

	private final AtomicInteger heartbeatsSent = new AtomicInteger();

	private volatile boolean heartbeatsReturn = true;

	private volatile int topicFailures;

	private volatile boolean senderClosed;

	FakeElectionClients(String topic) {
		this.topic = topic;
		this.partitionZero = new TopicPartition(topic, 0);
	}

	@Override
	public void ensureTopic(Duration timeout) {
		this.topicChecks.incrementAndGet();
		if (this.topicFailures > 0) {
			this.topicFailures--;
			throw new LeaderTopicUnavailableException(this.topic, "not allowed", new IllegalStateException());
		}
	}

	@Override
	public RecordingConsumer createConsumer() {
		RecordingConsumer consumer = new RecordingConsumer();
		consumer.updateEndOffsets(Map.of(this.partitionZero, 0L));
		this.consumers.add(consumer);
		return consumer;
	}

	@Override
	public HeartbeatSender createHeartbeatSender() {
		return new HeartbeatSender() {

			@Override
			public void send(Heartbeat heartbeat) {
				FakeElectionClients.this.heartbeatsSent.incrementAndGet();
				if (FakeElectionClients.this.heartbeatsReturn) {
					RecordingConsumer consumer = currentConsumer();
					consumer.schedulePollTask(() -> consumer.append(heartbeat));
				}
			}

			@Override
			public void close(Duration timeout) {
				FakeElectionClients.this.senderClosed = true;
			}

		};
	}

	void failTopicChecks(int times) {
		this.topicFailures = times;
	}

	void heartbeatsReturn(boolean heartbeatsReturn) {
		this.heartbeatsReturn = heartbeatsReturn;
	}

	/**
	 * Assigns partition 0 to the current consumer at its next poll.
	 */
	void assignPartitionZero() {
		RecordingConsumer consumer = currentConsumer();
		consumer.schedulePollTask(() -> consumer.rebalance(List.of(this.partitionZero)));
	}

	/**
	 * Takes partition 0 from the current consumer at its next poll.
	 */
	void revokePartitionZero() {
		RecordingConsumer consumer = currentConsumer();
		consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
	}

	/**
	 * Tells the current consumer's listener at its next poll that partition 0 was lost.
	 */
	void losePartitionZero() {
		RecordingConsumer consumer = currentConsumer();
		consumer.schedulePollTask(() -> consumer.listener().onPartitionsLost(List.of(this.partitionZero)));
	}

	RecordingConsumer currentConsumer() {
		return this.consumers.get(this.consumers.size() - 1);
	}

	int consumerCount() {
		return this.consumers.size();
	}

	List<RecordingConsumer> consumers() {
		return List.copyOf(this.consumers);
	}

	int topicChecks() {
		return this.topicChecks.get();
	}

	int heartbeatsSent() {
		return this.heartbeatsSent.get();
	}

	boolean senderClosed() {
		return this.senderClosed;
	}

	/**
	 * A mock consumer that remembers its rebalance listener and when it was closed.
	 */
	final class RecordingConsumer extends MockConsumer<byte[], byte[]> {

		private final AtomicLong offset = new AtomicLong();

		private volatile @Nullable ConsumerRebalanceListener listener;

		private volatile long closedAtNanos;

		RecordingConsumer() {
			super("latest");
		}

		@Override
		public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
			this.listener = listener;
			super.subscribe(topics, listener);
		}

		@Override
		public void close(CloseOptions options) {
			this.closedAtNanos = System.nanoTime();
			super.close(options);
		}

		ConsumerRebalanceListener listener() {
			ConsumerRebalanceListener current = this.listener;
			if (current == null) {
				throw new IllegalStateException("not subscribed");
			}
			return current;
		}

		long closedAtNanos() {
			return this.closedAtNanos;
		}

		void append(Heartbeat heartbeat) {
			if (assignment().contains(FakeElectionClients.this.partitionZero)) {
				byte[] key = heartbeat.key();
				byte[] value = heartbeat.value();
				addRecord(new ConsumerRecord<>(FakeElectionClients.this.topic, 0, this.offset.getAndIncrement(),
						heartbeat.sentAtMillis(), TimestampType.CREATE_TIME, key.length, value.length, key, value,
						new RecordHeaders(), Optional.empty()));
			}
		}

	}

}
