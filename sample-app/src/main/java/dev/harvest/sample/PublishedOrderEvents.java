package dev.harvest.sample;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Profile;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.harvest.outbox.kafka.StaleEpochRecordFilter;

/**
 * Reads the order events back from Kafka, to show that they arrived: logs each one and keeps
 * the latest hundred for {@code GET /orders/events}. Its listener discards records a former
 * leader delivered late, after a pause, through a {@link StaleEpochRecordFilter}.
 */
@Component
@Profile("!reaper")
public class PublishedOrderEvents {

	private static final Log logger = LogFactory.getLog(PublishedOrderEvents.class);

	private static final int KEPT = 100;

	private final ReentrantLock lock = new ReentrantLock();

	private final Deque<Received> latest = new ArrayDeque<>();

	/**
	 * The listener's own filter: one per listener, since it remembers what it has passed.
	 * @return the filter
	 */
	@Bean
	static StaleEpochRecordFilter<String, String> orderEventsEpochFilter() {
		return new StaleEpochRecordFilter<>();
	}

	@KafkaListener(topics = OrderService.TOPIC, groupId = "sample-app-order-events", filter = "orderEventsEpochFilter",
			properties = { "auto.offset.reset=earliest",
					"key.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
					"value.deserializer=org.apache.kafka.common.serialization.StringDeserializer" })
	void onOrderPlaced(ConsumerRecord<String, String> record) {
		Map<String, String> headers = new TreeMap<>();
		for (Header header : record.headers()) {
			headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
		}
		Received received = new Received(record.partition(), record.offset(), record.key(), record.value(), headers);
		logger.info("Received from Kafka: " + received);
		this.lock.lock();
		try {
			this.latest.addFirst(received);
			if (this.latest.size() > KEPT) {
				this.latest.removeLast();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the latest events received, newest first.
	 * @return the events
	 */
	public List<Received> latest() {
		this.lock.lock();
		try {
			return new ArrayList<>(this.latest);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * An order event as read from Kafka.
	 *
	 * @param partition the partition
	 * @param offset the offset
	 * @param key the record key
	 * @param value the JSON value
	 * @param headers the headers, including {@code outbox-id} and {@code outbox-leader-epoch}
	 */
	public record Received(int partition, long offset, String key, String value, Map<String, String> headers) {

	}

}
