package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.event.HarvestEvent;

/**
 * Hands record and key events to the listener on a thread of its own
 * ({@code harvest-events-<name>}), so that producer callbacks and the marker never wait for
 * listeners. At most {@link #CAPACITY} events wait; beyond that they are dropped, counted and
 * logged, because a flood of failures must not grow memory without bound.
 */
final class EventRelay {

	/** The most events waiting for the listener. */
	static final int CAPACITY = 10_000;

	private static final Log logger = LogFactory.getLog(EventRelay.class);

	private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private final String name;

	private final HarvestEvents events;

	private final BlockingQueue<HarvestEvent> queue = new ArrayBlockingQueue<>(CAPACITY);

	private final AtomicLong dropped = new AtomicLong();

	private volatile boolean closed;

	private volatile @Nullable Thread thread;

	EventRelay(String name, HarvestEvents events) {
		this.name = name;
		this.events = events;
	}

	/**
	 * Starts the relay's thread.
	 */
	void start() {
		Thread relay = new Thread(this::run, "harvest-events-" + this.name);
		relay.setDaemon(true);
		this.thread = relay;
		relay.start();
	}

	/**
	 * Queues an event for the listener; never blocks.
	 * @param event the event
	 */
	void publish(HarvestEvent event) {
		if (!this.queue.offer(event)) {
			long count = this.dropped.incrementAndGet();
			if (count == 1 || count % 1000 == 0) {
				logger.warn("Harvester '" + this.name + "' dropped " + count + " event(s) because " + CAPACITY
						+ " were waiting for slow listeners; the latest dropped: " + event);
			}
		}
	}

	/**
	 * Returns how many events were dropped because too many were waiting.
	 * @return the count
	 */
	long dropped() {
		return this.dropped.get();
	}

	/**
	 * Delivers the events still waiting and stops the thread, waiting at most
	 * {@code timeout}.
	 * @param timeout the longest wait
	 */
	void close(Duration timeout) {
		this.closed = true;
		Thread relay = this.thread;
		if (relay == null) {
			return;
		}
		try {
			relay.join(Math.max(timeout.toMillis(), 1));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (relay.isAlive()) {
			logger.warn("Event thread of harvester '" + this.name + "' did not finish within " + timeout
					+ "; interrupting it with " + this.queue.size() + " event(s) undelivered");
			relay.interrupt();
		}
	}

	private void run() {
		while (true) {
			HarvestEvent event;
			try {
				event = this.queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			if (event != null) {
				this.events.publish(event);
			}
			else if (this.closed) {
				return;
			}
		}
	}

}
