package dev.harvest.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A producer interceptor on the harvester's producers that reports every acknowledged record
 * carrying a benchmark id header to a {@link LatencyTracker}, on the producer's I/O thread, at
 * the moment Kafka acknowledged it. The tracker is passed in the producer configuration.
 */
public final class AckInterceptor implements ProducerInterceptor<String, byte[]> {

	/** Producer configuration key holding the {@link LatencyTracker}. */
	static final String TRACKER = "harvest.benchmark.ack-tracker";

	/** Header carrying the writer's id of a record. */
	static final String ID_HEADER = "bench-id";

	private LatencyTracker tracker;

	@Override
	public void configure(Map<String, ?> configs) {
		this.tracker = (LatencyTracker) configs.get(TRACKER);
	}

	@Override
	public ProducerRecord<String, byte[]> onSend(ProducerRecord<String, byte[]> record) {
		return record;
	}

	@Override
	public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
	}

	@Override
	public void onAcknowledgement(RecordMetadata metadata, Exception exception, Headers headers) {
		if (exception != null || headers == null || this.tracker == null) {
			return;
		}
		long id = id(headers);
		if (id >= 0) {
			this.tracker.arrived(id, System.nanoTime());
		}
	}

	/**
	 * Reads the benchmark id header.
	 * @param headers the record's headers
	 * @return the id, or -1 when the record has none
	 */
	static long id(Headers headers) {
		Header header = headers.lastHeader(ID_HEADER);
		return (header != null) ? Long.parseLong(new String(header.value(), StandardCharsets.UTF_8)) : -1;
	}

	@Override
	public void close() {
	}

}
