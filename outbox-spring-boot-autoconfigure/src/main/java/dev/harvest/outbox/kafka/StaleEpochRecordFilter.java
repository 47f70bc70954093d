package dev.harvest.outbox.kafka;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.listener.adapter.RecordFilterStrategy;

/**
 * Discards records that a former leader's producer delivered after a newer leader had already
 * published to the same partition, which a leader paused for longer than its lease (a long GC
 * pause, a stopped VM) can do when it resumes. Every record discarded this way is published
 * again by the newer leader, so a consumer using this filter never sees a key go back.
 * <p>
 * Use it as a listener container's {@link RecordFilterStrategy}, or call
 * {@link #filter(ConsumerRecord)} from a plain consumer. It remembers, for each partition and
 * leader group, the highest {@value KafkaSenderShard#LEADER_EPOCH_HEADER} it has passed, so it
 * must see each partition's records in offset order; after seeking back to replay a partition,
 * {@linkplain #reset() reset} it. Records without the header are always kept.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class StaleEpochRecordFilter<K, V> implements RecordFilterStrategy<K, V> {

	private static final Log logger = LogFactory.getLog(StaleEpochRecordFilter.class);

	private final ConcurrentMap<Scope, Long> highestEpochs = new ConcurrentHashMap<>();

	private final LongAdder discarded = new LongAdder();

	/**
	 * Returns whether to discard a record: {@code true} when it was published under a lower
	 * leader epoch than a record of the same leader group that came before it in its
	 * partition.
	 * @param record the record
	 * @return {@code true} to discard the record
	 */
	@Override
	public boolean filter(ConsumerRecord<K, V> record) {
		Long epoch = epoch(record);
		if (epoch == null) {
			return false;
		}
		Scope scope = new Scope(record.topic(), record.partition(), group(record));
		long highest = this.highestEpochs.merge(scope, epoch, Math::max);
		if (epoch >= highest) {
			return false;
		}
		this.discarded.increment();
		if (logger.isDebugEnabled()) {
			logger.debug("Discarded " + record.topic() + "-" + record.partition() + "@" + record.offset()
					+ " published under leader epoch " + epoch + " after a record under epoch " + highest);
		}
		return true;
	}

	/**
	 * Returns how many records this filter has discarded.
	 * @return the count
	 */
	public long discarded() {
		return this.discarded.sum();
	}

	/**
	 * Forgets every epoch seen, as before a replay from earlier offsets.
	 */
	public void reset() {
		this.highestEpochs.clear();
	}

	private static @Nullable Long epoch(ConsumerRecord<?, ?> record) {
		String text = header(record, KafkaSenderShard.LEADER_EPOCH_HEADER);
		if (text == null) {
			return null;
		}
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static String group(ConsumerRecord<?, ?> record) {
		String group = header(record, KafkaSenderShard.LEADER_GROUP_HEADER);
		return (group != null) ? group : "";
	}

	private static @Nullable String header(ConsumerRecord<?, ?> record, String key) {
		Header header = record.headers().lastHeader(key);
		return (header != null && header.value() != null) ? new String(header.value(), StandardCharsets.UTF_8) : null;
	}

	/**
	 * Epochs are only comparable within one leader group, on one partition.
	 */
	private record Scope(String topic, int partition, String group) {
	}

}
