package dev.harvest.faults;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.kafka.KafkaSenderShard;
import dev.harvest.outbox.kafka.StaleEpochRecordFilter;
import dev.harvest.outbox.test.OrderChecker;
import dev.harvest.outbox.test.TopicReader;

/**
 * Everything a consumer of the data topic received, read from the beginning on a thread of its
 * own. Each record goes through the {@link StaleEpochRecordFilter} a consumer would use, then
 * the records it keeps through the {@link OrderChecker} in partition order; every record also
 * goes through a second checker, to tell what a consumer without the filter would have seen.
 * Each is remembered by key, sequence and transaction (to catch records that never committed),
 * and the first arrival under each leader epoch is timed.
 */
final class PublishedLog implements AutoCloseable {

	private static final long POLL_MILLIS = 20;

	private final TopicReader reader;

	private final ReentrantLock lock = new ReentrantLock();

	private final StaleEpochRecordFilter<String, byte[]> filter = new StaleEpochRecordFilter<>();

	private final OrderChecker checker = new OrderChecker();

	private final OrderChecker unfiltered = new OrderChecker();

	private final Set<Received> received = new HashSet<>();

	private final TreeMap<Long, Long> firstArrivalByEpoch = new TreeMap<>();

	/** The highest epoch among the records received, and how many records came before it. */
	private long latestEpoch;

	private long latestEpochSince;

	private long records;

	private long watchedOutboxId = Long.MAX_VALUE;

	private @Nullable Long watchedArrivalNanos;

	/** Each key's latest arrival, described, to explain the next one that is out of order. */
	private final Map<String, String> lastArrivalByKey = new HashMap<>();

	/** Out-of-order arrivals with the arrival before them: epochs, ids and offsets. */
	private final List<String> anomalies = new ArrayList<>();

	PublishedLog(String bootstrapServers, String topic) {
		this.reader = TopicReader.start(bootstrapServers, topic, this::accept);
	}

	private void accept(ConsumerRecord<String, byte[]> record, long nanos) {
		String value = new String(record.value(), StandardCharsets.UTF_8);
		int space = value.indexOf(' ');
		long sequence = Long.parseLong((space < 0) ? value : value.substring(0, space));
		long epoch = Long.parseLong(header(record, KafkaSenderShard.LEADER_EPOCH_HEADER));
		long outboxId = Long.parseLong(header(record, KafkaSenderShard.OUTBOX_ID_HEADER));
		this.lock.lock();
		try {
			this.records++;
			this.unfiltered.accept(record.key(), sequence);
			String arrival = "seq " + sequence + " (epoch " + epoch + ", id " + outboxId + ", " + record.partition()
					+ "@" + record.offset() + ")";
			if (this.filter.filter(record)) {
				if (this.anomalies.size() < 50) {
					this.anomalies.add("key " + record.key() + ": " + arrival + " discarded by the epoch filter after "
							+ this.lastArrivalByKey.get(record.key()));
				}
			}
			else {
				long outOfOrder = this.checker.outOfOrder();
				this.checker.accept(record.key(), sequence);
				if (this.checker.outOfOrder() != outOfOrder && this.anomalies.size() < 50) {
					this.anomalies.add("key " + record.key() + ": " + arrival + " after "
							+ this.lastArrivalByKey.get(record.key()));
				}
				this.lastArrivalByKey.put(record.key(), arrival);
			}
			this.received.add(new Received(record.key(), sequence, header(record, OutboxWriters.TRANSACTION_HEADER)));
			this.firstArrivalByEpoch.putIfAbsent(epoch, nanos);
			if (epoch > this.latestEpoch) {
				this.latestEpoch = epoch;
			}
			if (epoch == this.latestEpoch) {
				this.latestEpochSince = this.records;
			}
			if (outboxId > this.watchedOutboxId && this.watchedArrivalNanos == null) {
				this.watchedArrivalNanos = nanos;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	private static String header(ConsumerRecord<String, byte[]> record, String key) {
		Header header = record.headers().lastHeader(key);
		if (header == null) {
			throw new IllegalStateException("Record at offset " + record.offset() + " of " + record.topic() + "-"
					+ record.partition() + " has no " + key + " header");
		}
		return new String(header.value(), StandardCharsets.UTF_8);
	}

	long records() {
		this.lock.lock();
		try {
			return this.records;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns how many records of a key arrived in order, without gaps.
	 * @param key the key
	 * @return the count
	 */
	long delivered(String key) {
		this.lock.lock();
		try {
			return this.checker.delivered(key);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Checks the records the epoch filter kept, as a consumer using it saw them.
	 * @param committed the number of records committed for each key
	 * @return the report
	 */
	OrderChecker.Report report(Map<String, Long> committed) {
		this.lock.lock();
		try {
			return this.checker.report(committed);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Checks every record received, as a consumer without the epoch filter saw them.
	 * @param committed the number of records committed for each key
	 * @return the report
	 */
	OrderChecker.Report unfilteredReport(Map<String, Long> committed) {
		this.lock.lock();
		try {
			return this.unfiltered.report(committed);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns whether a record under {@code epoch}, the highest epoch seen so far, arrived
	 * after the first {@code after} records.
	 * @param epoch the epoch
	 * @param after how many records had arrived before
	 * @return {@code true} when the latest record under that epoch is newer
	 */
	boolean publishedUnder(long epoch, long after) {
		this.lock.lock();
		try {
			return epoch == this.latestEpoch && this.latestEpochSince > after;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns every record received, by key, sequence and transaction.
	 * @return a copy
	 */
	Set<Received> received() {
		this.lock.lock();
		try {
			return new HashSet<>(this.received);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the first arrivals that were neither the next record of their key nor a repeat
	 * of its latest, each with the arrival before it.
	 * @return the descriptions
	 */
	List<String> anomalies() {
		this.lock.lock();
		try {
			return new ArrayList<>(this.anomalies);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns how many records the epoch filter discarded: published by a former leader after
	 * a newer one had published to their partition.
	 * @return the count
	 */
	long staleEpochRecords() {
		return this.filter.discarded();
	}

	/**
	 * Waits for the first record published under an epoch above {@code epoch}.
	 * @param epoch the epoch to get past
	 * @param sinceNanos when the wait began, as {@link System#nanoTime()}
	 * @param timeout the longest wait
	 * @return the time from {@code sinceNanos} to that record's arrival
	 * @throws IllegalStateException when none arrives in time
	 */
	Duration awaitEpochAbove(long epoch, long sinceNanos, Duration timeout) {
		return await(() -> {
			Map.Entry<Long, Long> higher = this.firstArrivalByEpoch.higherEntry(epoch);
			return (higher != null) ? higher.getValue() : null;
		}, sinceNanos, timeout, "no record published under an epoch above " + epoch);
	}

	/**
	 * Waits for a record from a row written after {@code outboxId}; records that arrived before
	 * the call do not count.
	 * @param outboxId the highest outbox id committed when the wait began
	 * @param sinceNanos when the wait began, as {@link System#nanoTime()}
	 * @param timeout the longest wait
	 * @return the time from {@code sinceNanos} to that record's arrival
	 * @throws IllegalStateException when none arrives in time
	 */
	Duration awaitOutboxIdAbove(long outboxId, long sinceNanos, Duration timeout) {
		this.lock.lock();
		try {
			this.watchedOutboxId = outboxId;
			this.watchedArrivalNanos = null;
		}
		finally {
			this.lock.unlock();
		}
		return await(() -> this.watchedArrivalNanos, sinceNanos, timeout,
				"no record of a row above id " + outboxId + " published");
	}

	private Duration await(Arrival arrival, long sinceNanos, Duration timeout, String failure) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			this.reader.check();
			Long arrived;
			this.lock.lock();
			try {
				arrived = arrival.nanos();
			}
			finally {
				this.lock.unlock();
			}
			if (arrived != null) {
				return Duration.ofNanos(Math.max(0, arrived - sinceNanos));
			}
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(failure + " within " + timeout);
			}
			try {
				TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted", ex);
			}
		}
	}

	/**
	 * Throws what stopped the consumer, if anything did.
	 */
	void check() {
		this.reader.check();
	}

	@Override
	public void close() {
		this.reader.close();
	}

	/**
	 * When something arrived, or {@code null}; called with the lock held.
	 */
	@FunctionalInterface
	private interface Arrival {

		@Nullable Long nanos();

	}

	/**
	 * A received record.
	 *
	 * @param key the key
	 * @param sequence the sequence number
	 * @param token the transaction that wrote it
	 */
	record Received(String key, long sequence, String token) {
	}

}
