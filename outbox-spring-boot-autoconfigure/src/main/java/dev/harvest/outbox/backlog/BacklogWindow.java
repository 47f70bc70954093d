package dev.harvest.outbox.backlog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rings of the last samples, one for the whole outbox and one per topic, as Burrow keeps one
 * ring per partition. Not thread-safe: one thread adds samples and reads windows.
 */
public final class BacklogWindow {

	private final int size;

	private final Deque<BacklogEntry> outbox = new ArrayDeque<>();

	private final Map<String, Deque<BacklogEntry>> topics = new LinkedHashMap<>();

	/**
	 * Creates empty rings.
	 * @param size the number of samples each ring holds
	 */
	public BacklogWindow(int size) {
		if (size < 1) {
			throw new IllegalArgumentException("'size' must be at least 1 (was " + size + ")");
		}
		this.size = size;
	}

	/**
	 * Adds a sample to the outbox's ring and to the rings of its topics. A published counter
	 * lower than the previous one means PostgreSQL's statistics were reset, so the outbox's
	 * ring starts again from this sample. A topic missing from a sample whose topic list is
	 * complete has drained; one missing from an incomplete list fell out of the top topics and
	 * its ring is dropped, since nothing can be said about it any more.
	 * @param sample the sample
	 */
	public void add(BacklogSample sample) {
		BacklogEntry entry = BacklogEntry.of(sample);
		BacklogEntry previous = this.outbox.peekLast();
		if (previous != null && previous.published() != null && entry.published() != null
				&& entry.published() < previous.published()) {
			this.outbox.clear();
		}
		append(this.outbox, entry);
		Set<String> seen = new HashSet<>();
		for (TopicSample topic : sample.topics()) {
			seen.add(topic.topic());
			append(this.topics.computeIfAbsent(topic.topic(), (name) -> new ArrayDeque<>()),
					BacklogEntry.of(sample.time(), topic));
		}
		boolean complete = sample.topicsComplete();
		for (Iterator<Map.Entry<String, Deque<BacklogEntry>>> iterator = this.topics.entrySet().iterator(); iterator
			.hasNext();) {
			Map.Entry<String, Deque<BacklogEntry>> ring = iterator.next();
			if (seen.contains(ring.getKey())) {
				continue;
			}
			if (!complete) {
				iterator.remove();
				continue;
			}
			append(ring.getValue(), BacklogEntry.drained(sample.time()));
			// Drained for a whole window: OK by any rule, and only taking up room.
			if (ring.getValue().size() == this.size
					&& ring.getValue().stream().allMatch((drained) -> drained.backlog() == 0)) {
				iterator.remove();
			}
		}
	}

	/**
	 * Forgets every sample, for example after sampling failed for longer than a window.
	 */
	public void clear() {
		this.outbox.clear();
		this.topics.clear();
	}

	/**
	 * Returns the whole outbox's window.
	 * @return the window, oldest entry first
	 */
	public ScopeWindow outbox() {
		return new ScopeWindow(null, this.size, List.copyOf(this.outbox));
	}

	/**
	 * Returns the windows of the topics sampled recently, largest current backlog first.
	 * @return the windows
	 */
	public List<ScopeWindow> topics() {
		List<ScopeWindow> windows = new ArrayList<>(this.topics.size());
		this.topics.forEach((topic, ring) -> windows.add(new ScopeWindow(topic, this.size, List.copyOf(ring))));
		windows.sort(Comparator.comparingLong((ScopeWindow window) -> window.end().backlog())
			.reversed()
			.thenComparing((window) -> String.valueOf(window.topic())));
		return windows;
	}

	/**
	 * Returns the number of samples each ring holds when full.
	 * @return the size
	 */
	public int size() {
		return this.size;
	}

	private void append(Deque<BacklogEntry> ring, BacklogEntry entry) {
		ring.addLast(entry);
		while (ring.size() > this.size) {
			ring.removeFirst();
		}
	}

}
