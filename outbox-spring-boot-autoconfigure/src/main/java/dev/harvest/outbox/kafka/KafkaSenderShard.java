package dev.harvest.outbox.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.core.ProducerFactory;
import org.springframework.util.Assert;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.jdbc.OutboxRow;

/**
 * One sender shard: owns a producer from its own {@link ProducerFactory} and sends outbox rows
 * through it. Not thread-safe: a shard is used by one thread, while its callbacks run on the
 * producer's I/O thread.
 */
public final class KafkaSenderShard {

	/** Header carrying the outbox row id (decimal text), so that consumers can de-duplicate. */
	public static final String OUTBOX_ID_HEADER = "outbox-id";

	/** Header carrying the leadership epoch the record was sent under (decimal text). */
	public static final String LEADER_EPOCH_HEADER = "outbox-leader-epoch";

	/**
	 * Header carrying the leader group whose epoch {@value #LEADER_EPOCH_HEADER} is, since
	 * epochs of different outboxes publishing to one topic are not comparable.
	 */
	public static final String LEADER_GROUP_HEADER = "outbox-leader-group";

	private static final Log logger = LogFactory.getLog(KafkaSenderShard.class);

	private final int index;

	private final String leaderGroupId;

	private final ProducerFactory<String, byte[]> producerFactory;

	private @Nullable Producer<String, byte[]> producer;

	private int generation;

	/**
	 * Creates a shard; its producer is created on the first send.
	 * @param index the shard index
	 * @param leaderGroupId the leader group, sent as a header
	 * @param producerFactory the shard's own producer factory
	 */
	public KafkaSenderShard(int index, String leaderGroupId, ProducerFactory<String, byte[]> producerFactory) {
		Assert.hasText(leaderGroupId, "'leaderGroupId' must not be empty");
		Assert.notNull(producerFactory, "'producerFactory' must not be null");
		this.index = index;
		this.leaderGroupId = leaderGroupId;
		this.producerFactory = producerFactory;
	}

	public int index() {
		return this.index;
	}

	/**
	 * Returns how many times the producer has been rebuilt; a failure from an older producer
	 * does not call for another rebuild.
	 * @return the producer generation
	 */
	public int generation() {
		return this.generation;
	}

	/**
	 * Sends a row. The callback is called exactly once: on the producer's I/O thread when
	 * Kafka answers, or on the calling thread when the send fails at once (including when
	 * the producer cannot be created). May block up to the producer's {@code max.block.ms}.
	 * @param row the row to send
	 * @param epoch the leadership epoch, sent as a header
	 * @param callback told about the outcome
	 */
	public void send(OutboxRow row, long epoch, Callback callback) {
		OnceCallback once = new OnceCallback(callback);
		try {
			producer().send(producerRecord(row, this.leaderGroupId, epoch), once);
		}
		catch (RuntimeException ex) {
			once.onCompletion(null, ex);
		}
	}

	/**
	 * Closes the current producer so that the next send creates a fresh one.
	 */
	public void rebuild() {
		this.generation++;
		closeProducer();
	}

	/**
	 * Closes the current producer without waiting, so that every record it still holds fails
	 * instead of being sent; the next send creates a fresh one.
	 */
	public void abort() {
		this.generation++;
		closeProducer(Duration.ZERO);
	}

	/**
	 * Closes the shard's producer.
	 */
	public void close() {
		closeProducer();
	}

	private Producer<String, byte[]> producer() {
		Producer<String, byte[]> current = this.producer;
		if (current == null) {
			current = this.producerFactory.createNonTransactionalProducer();
			this.producer = current;
		}
		return current;
	}

	private void closeProducer() {
		closeProducer(Duration.ofSeconds(ShardProducerFactories.CLOSE_TIMEOUT_SECONDS));
	}

	private void closeProducer(Duration timeout) {
		Producer<String, byte[]> current = this.producer;
		this.producer = null;
		try {
			if (current != null) {
				current.close(timeout);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not close the producer of harvest shard " + this.index, ex);
		}
		try {
			// A factory's shared producer ignores close(); resetting the factory closes it.
			this.producerFactory.reset();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not reset the producer factory of harvest shard " + this.index, ex);
		}
	}

	/**
	 * Builds the Kafka record for an outbox row: topic, key, value (null for a tombstone) and
	 * headers as stored, plus {@value #OUTBOX_ID_HEADER}, {@value #LEADER_EPOCH_HEADER} and
	 * {@value #LEADER_GROUP_HEADER}.
	 * @param row the row
	 * @param leaderGroupId the leader group
	 * @param epoch the leadership epoch
	 * @return the record
	 */
	public static ProducerRecord<String, byte[]> producerRecord(OutboxRow row, String leaderGroupId, long epoch) {
		OutboxRecord record = row.record();
		RecordHeaders headers = new RecordHeaders();
		for (OutboxHeader header : record.headers()) {
			headers.add(header.key(), header.value().getBytes(StandardCharsets.UTF_8));
		}
		headers.add(OUTBOX_ID_HEADER, Long.toString(row.id()).getBytes(StandardCharsets.UTF_8));
		headers.add(LEADER_EPOCH_HEADER, Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
		headers.add(LEADER_GROUP_HEADER, leaderGroupId.getBytes(StandardCharsets.UTF_8));
		return new ProducerRecord<>(record.topic(), null, null, record.key(), record.valueBytes(), headers);
	}

	/**
	 * Makes sure a send's outcome is reported once, whether the producer calls back, throws,
	 * or both.
	 */
	private static final class OnceCallback implements Callback {

		private final Callback delegate;

		private final AtomicBoolean done = new AtomicBoolean();

		OnceCallback(Callback delegate) {
			this.delegate = delegate;
		}

		@Override
		public void onCompletion(@Nullable RecordMetadata metadata, @Nullable Exception exception) {
			if (this.done.compareAndSet(false, true)) {
				this.delegate.onCompletion(metadata, exception);
			}
		}

	}

}
