package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidSessionTimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The body of the election thread: keeps a consumer subscribed to the leader topic, polls it
 * every min poll interval, reads own heartbeats back and sends the next one while partition 0
 * is assigned. Any failure closes the consumer, waits with a growing backoff and starts over.
 */
final class ElectionLoop implements Runnable {

	private static final Log logger = LogFactory.getLog(ElectionLoop.class);

	private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);

	private final NeliConfig config;

	private final ElectionClients clients;

	private final Leadership leadership;

	private final long minPollIntervalNanos;

	private final long maxBackoffNanos;

	private final CountDownLatch stopSignal = new CountDownLatch(1);

	// Guards opening: a stop request interrupts the thread only while it creates clients or
	// checks the topic (up to a session timeout), never later in a listener callback.
	private final ReentrantLock openingLock = new ReentrantLock();

	private @Nullable Thread opening;

	private volatile boolean stopping;

	private volatile long stopDeadlineNanos;

	private @Nullable Consumer<byte[], byte[]> consumer;

	private @Nullable HeartbeatSender sender;

	private long backoffNanos;

	private int failures;

	ElectionLoop(NeliConfig config, ElectionClients clients, Leadership leadership) {
		this.config = config;
		this.clients = clients;
		this.leadership = leadership;
		this.minPollIntervalNanos = config.minPollInterval().toNanos();
		this.maxBackoffNanos = Math.max(INITIAL_BACKOFF.toNanos(), config.sessionTimeout().toNanos());
		this.backoffNanos = INITIAL_BACKOFF.toNanos();
	}

	/**
	 * Asks the loop to give up leadership, leave the group and end, using the time until
	 * {@code deadlineNanos}.
	 * @param deadlineNanos {@link System#nanoTime()} by which to be done
	 */
	void requestStop(long deadlineNanos) {
		this.stopDeadlineNanos = deadlineNanos;
		this.stopping = true;
		this.stopSignal.countDown();
		this.openingLock.lock();
		try {
			if (this.opening != null) {
				this.opening.interrupt();
			}
		}
		finally {
			this.openingLock.unlock();
		}
	}

	@Override
	public void run() {
		try {
			while (!this.stopping) {
				try {
					if (this.consumer == null) {
						open();
					}
					long tickStart = System.nanoTime();
					tick(tickStart);
					this.failures = 0;
					this.backoffNanos = INITIAL_BACKOFF.toNanos();
					pauseUntil(tickStart + this.minPollIntervalNanos);
				}
				catch (RuntimeException ex) {
					if (this.stopping) {
						break;
					}
					recover(ex);
				}
			}
		}
		catch (Throwable ex) {
			logger.error(describe() + ": election thread failed and stops", ex);
		}
		finally {
			shutDown();
		}
	}

	private void open() {
		setOpening(Thread.currentThread());
		try {
			if (this.stopping) {
				return;
			}
			this.clients.ensureTopic(this.config.sessionTimeout());
			if (this.sender == null) {
				this.sender = this.clients.createHeartbeatSender();
			}
			Consumer<byte[], byte[]> created = this.clients.createConsumer();
			this.consumer = created;
			created.subscribe(List.of(this.config.topic()), new PartitionZeroListener());
			logger.debug(describe() + ": subscribed to leader topic '" + this.config.topic() + "'");
		}
		finally {
			setOpening(null);
		}
	}

	private void setOpening(@Nullable Thread thread) {
		this.openingLock.lock();
		try {
			this.opening = thread;
		}
		finally {
			this.openingLock.unlock();
		}
	}

	private void tick(long tickStart) {
		Consumer<byte[], byte[]> current = this.consumer;
		if (current == null) {
			return;
		}
		// Drain what is there, but never for longer than one poll interval, so that a flood of
		// foreign records cannot hold back fencing or heartbeats.
		long drainEnd = tickStart + this.minPollIntervalNanos;
		ConsumerRecords<byte[], byte[]> records;
		do {
			records = current.poll(this.config.pollDuration());
			for (ConsumerRecord<byte[], byte[]> record : records) {
				if (record.partition() == 0) {
					this.leadership.readBack(record.key(), record.value(), record.timestamp());
				}
			}
		}
		while (!records.isEmpty() && System.nanoTime() - drainEnd < 0 && !this.stopping);
		if (this.leadership.polled()) {
			rejoin();
			return;
		}
		Heartbeat heartbeat = this.leadership.nextHeartbeat();
		HeartbeatSender currentSender = this.sender;
		if (heartbeat != null && currentSender != null) {
			currentSender.send(heartbeat);
		}
	}

	private void recover(RuntimeException ex) {
		// Whatever broke, this member cannot tell whether it still owns partition 0.
		this.leadership.lost("the election consumer failed (" + ex + ")");
		this.failures++;
		if (ex instanceof LeaderTopicUnavailableException) {
			logger.warn(describe() + ": " + ex.getMessage() + " (retrying in " + backoffMillis() + " ms)");
		}
		else if (this.failures == 1) {
			logger.error(describe() + ": the election consumer failed" + hint(ex) + "; recreating it in "
					+ backoffMillis() + " ms", ex);
		}
		else {
			logger.warn(describe() + ": the election consumer failed again (" + ex + ")" + hint(ex)
					+ "; recreating it in " + backoffMillis() + " ms (failure " + this.failures + ")");
		}
		// Interrupted by someone other than close: keep going, the flag would only break the
		// next Kafka call.
		Thread.interrupted();
		closeConsumer(this.config.heartbeatTimeout());
		pauseUntil(System.nanoTime() + this.backoffNanos);
		this.backoffNanos = Math.min(this.backoffNanos * 2, this.maxBackoffNanos);
	}

	/**
	 * Leaves the group by closing the consumer, so that the next tick joins afresh: a member
	 * that kept partition 0 through a cooperative rebalance would never be told of it again.
	 */
	private void rejoin() {
		closeConsumer(this.config.heartbeatTimeout());
	}

	private String hint(RuntimeException ex) {
		if (ex instanceof InvalidSessionTimeoutException) {
			return " (the session timeout of " + this.config.sessionTimeout().toMillis()
					+ " ms, three heartbeat timeouts, is outside the broker's group.min.session.timeout.ms and"
					+ " group.max.session.timeout.ms)";
		}
		return "";
	}

	private long backoffMillis() {
		return TimeUnit.NANOSECONDS.toMillis(this.backoffNanos);
	}

	private void pauseUntil(long deadlineNanos) {
		long remaining = deadlineNanos - System.nanoTime();
		if (remaining <= 0) {
			return;
		}
		try {
			this.stopSignal.await(remaining, TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			// Only close interrupts on purpose, and it has set stopping by then.
			logger.debug(describe() + ": interrupted while waiting for the next poll");
		}
	}

	private void shutDown() {
		Thread.interrupted();
		try {
			this.leadership.closing();
		}
		finally {
			closeConsumer(remaining());
			HeartbeatSender currentSender = this.sender;
			this.sender = null;
			if (currentSender != null) {
				try {
					currentSender.close(remaining());
				}
				catch (RuntimeException ex) {
					logger.warn(describe() + ": could not close the heartbeat producer", ex);
				}
			}
			logger.info(describe() + ": stopped");
		}
	}

	private void closeConsumer(Duration timeout) {
		Consumer<byte[], byte[]> current = this.consumer;
		this.consumer = null;
		if (current == null) {
			return;
		}
		try {
			current.close(CloseOptions.timeout(timeout).withGroupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP));
		}
		catch (RuntimeException ex) {
			logger.warn(describe() + ": could not close the election consumer cleanly", ex);
		}
	}

	private Duration remaining() {
		if (!this.stopping) {
			return this.config.heartbeatTimeout();
		}
		return Duration.ofNanos(Math.max(0, this.stopDeadlineNanos - System.nanoTime()));
	}

	private String describe() {
		return "Leader election of '" + this.config.instanceName() + "' in group '" + this.config.groupId() + "'";
	}

	private boolean isLeaderPartition(Collection<TopicPartition> partitions) {
		for (TopicPartition partition : partitions) {
			if (partition.partition() == 0 && partition.topic().equals(this.config.topic())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Turns rebalances of the leader group into leadership changes; runs inside poll on the
	 * election thread, so the group waits for a revoke to return.
	 */
	private final class PartitionZeroListener implements ConsumerRebalanceListener {

		@Override
		public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
			if (isLeaderPartition(partitions)) {
				ElectionLoop.this.leadership.assigned();
			}
		}

		@Override
		public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
			if (isLeaderPartition(partitions)) {
				ElectionLoop.this.leadership.revoked();
			}
		}

		@Override
		public void onPartitionsLost(Collection<TopicPartition> partitions) {
			if (isLeaderPartition(partitions)) {
				ElectionLoop.this.leadership.lost("partition 0 of leader topic '" + ElectionLoop.this.config.topic()
						+ "' was lost: the group moved on without this member");
			}
		}

	}

}
