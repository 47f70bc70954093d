package dev.harvest.benchmarks;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

/**
 * Tracks the heap of this JVM while a run lasts: the peak of heap in use, sampled, and the
 * peak of heap still in use right after a garbage collection, which is what the run really
 * kept alive (plus old garbage a young collection does not look at).
 */
final class HeapMeter implements AutoCloseable {

	private static final long SAMPLE_MILLIS = 50;

	private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans()
		.stream()
		.filter((pool) -> pool.getType() == MemoryType.HEAP)
		.map(MemoryPoolMXBean::getName)
		.collect(Collectors.toSet());

	private final AtomicLong peakUsed = new AtomicLong();

	private final AtomicLong peakAfterGc = new AtomicLong(-1);

	private final AtomicLong collections = new AtomicLong();

	private final List<NotificationEmitter> emitters = new ArrayList<>();

	private final NotificationListener listener = this::onNotification;

	private final Thread sampler;

	private volatile boolean running = true;

	private HeapMeter() {
		this.sampler = new Thread(this::sample, "heap-meter");
		this.sampler.setDaemon(true);
	}

	/**
	 * Collects garbage first, so that what earlier runs left behind does not count, then
	 * starts tracking.
	 * @return the running meter
	 */
	static HeapMeter start() {
		System.gc();
		HeapMeter meter = new HeapMeter();
		for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (collector instanceof NotificationEmitter emitter) {
				emitter.addNotificationListener(meter.listener, null, null);
				meter.emitters.add(emitter);
			}
		}
		meter.sampler.start();
		return meter;
	}

	private void sample() {
		while (this.running) {
			long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
			this.peakUsed.accumulateAndGet(used, Math::max);
			try {
				Thread.sleep(SAMPLE_MILLIS);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	private void onNotification(Notification notification, Object handback) {
		if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
			return;
		}
		GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
			.from((CompositeData) notification.getUserData());
		long used = 0;
		for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
			if (this.heapPools.contains(pool.getKey())) {
				used += pool.getValue().getUsed();
			}
		}
		this.collections.incrementAndGet();
		this.peakAfterGc.accumulateAndGet(used, Math::max);
	}

	/**
	 * Returns the peak of heap in use, sampled every 50 ms.
	 * @return megabytes
	 */
	double peakUsedMegabytes() {
		return this.peakUsed.get() / 1048576.0;
	}

	/**
	 * Returns the peak of heap in use right after a collection.
	 * @return megabytes, NaN when no collection happened
	 */
	double peakAfterGcMegabytes() {
		long peak = this.peakAfterGc.get();
		return (peak < 0) ? Double.NaN : peak / 1048576.0;
	}

	long collections() {
		return this.collections.get();
	}

	/**
	 * Returns the heap in use now.
	 * @return megabytes
	 */
	static double usedMegabytes() {
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
	}

	/**
	 * Returns the largest heap this JVM may grow to.
	 * @return megabytes
	 */
	static double maxMegabytes() {
		return Runtime.getRuntime().maxMemory() / 1048576.0;
	}

	@Override
	public void close() {
		this.running = false;
		this.sampler.interrupt();
		for (NotificationEmitter emitter : this.emitters) {
			try {
				emitter.removeNotificationListener(this.listener);
			}
			catch (ListenerNotFoundException ex) {
				// already gone
			}
		}
		try {
			this.sampler.join(1000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
