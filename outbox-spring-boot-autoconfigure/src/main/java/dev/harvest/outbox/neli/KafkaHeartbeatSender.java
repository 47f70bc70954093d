package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * Sends heartbeats through a Kafka producer configured so that a send never blocks for longer
 * than a fraction of the heartbeat timeout and gives up within it.
 */
final class KafkaHeartbeatSender implements HeartbeatSender {

	private static final Log logger = LogFactory.getLog(KafkaHeartbeatSender.class);

	private final String topic;

	private final Producer<byte[], byte[]> producer;

	// Logs the first failure of a run at WARN and the rest at DEBUG: at ten heartbeats a
	// second an unreachable broker would otherwise flood the log.
	private final AtomicBoolean failing = new AtomicBoolean();

	private volatile boolean closing;

	KafkaHeartbeatSender(String topic, Map<String, Object> producerProperties) {
		this.topic = topic;
		this.producer = new KafkaProducer<>(producerProperties, new ByteArraySerializer(), new ByteArraySerializer());
		fetchMetadata();
	}

	private void fetchMetadata() {
		// Done before the election joins the group, so that the first heartbeat of a new
		// leader does not wait for the topic's metadata. Bounded by max.block.ms.
		try {
			this.producer.partitionsFor(this.topic);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not fetch metadata of leader topic '" + this.topic + "' yet", ex);
		}
	}

	@Override
	public void send(Heartbeat heartbeat) {
		ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(this.topic, 0, heartbeat.sentAtMillis(),
				heartbeat.key(), heartbeat.value());
		try {
			this.producer.send(record, this::completed);
		}
		catch (RuntimeException ex) {
			failed(ex);
		}
	}

	private void completed(@Nullable RecordMetadata metadata, @Nullable Exception exception) {
		if (exception != null) {
			failed(exception);
		}
		else if (this.failing.compareAndSet(true, false)) {
			logger.info("Heartbeats to leader topic '" + this.topic + "' are being written again");
		}
	}

	private void failed(Exception ex) {
		if (this.closing) {
			return;
		}
		if (this.failing.compareAndSet(false, true)) {
			logger.warn("Could not write a heartbeat to leader topic '" + this.topic + "' (" + ex
					+ "); further failures are logged at DEBUG until one succeeds");
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Could not write a heartbeat to leader topic '" + this.topic + "'", ex);
		}
	}

	@Override
	public void close(Duration timeout) {
		this.closing = true;
		this.producer.close(timeout);
	}

}
