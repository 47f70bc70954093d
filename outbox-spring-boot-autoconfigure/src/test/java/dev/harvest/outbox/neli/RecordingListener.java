package dev.harvest.outbox.neli;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * Records leadership callbacks, in order, on its own list and on a timeline shared by several
 * listeners; can be told to throw after recording.
 */
final class RecordingListener implements LeadershipListener {

	private static final AtomicLong sequence = new AtomicLong();

	private final String instance;

	private final List<Event> events = new CopyOnWriteArrayList<>();

	private final List<Event> timeline;

	private volatile boolean throwing;

	RecordingListener(String instance) {
		this(instance, new CopyOnWriteArrayList<>());
	}

	RecordingListener(String instance, List<Event> timeline) {
		this.instance = instance;
		this.timeline = timeline;
	}

	RecordingListener throwing() {
		this.throwing = true;
		return this;
	}

	@Override
	public void onLeaderAcquired() {
		record(Kind.ACQUIRED, null);
	}

	@Override
	public void onLeaderRevoked() {
		record(Kind.REVOKED, null);
	}

	@Override
	public void onLeaderFenced(String reason) {
		record(Kind.FENCED, reason);
	}

	private void record(Kind kind, @Nullable String reason) {
		Event event = new Event(this.instance, kind, sequence.incrementAndGet(), System.nanoTime(), reason);
		this.events.add(event);
		this.timeline.add(event);
		if (this.throwing) {
			throw new IllegalStateException("listener of " + this.instance + " fails in " + kind);
		}
	}

	String instance() {
		return this.instance;
	}

	List<Event> events() {
		return List.copyOf(this.events);
	}

	long count(Kind kind) {
		return this.events.stream().filter((event) -> event.kind() == kind).count();
	}

	Event last(Kind kind) {
		return this.events.stream()
			.filter((event) -> event.kind() == kind)
			.reduce((first, second) -> second)
			.orElseThrow(() -> new AssertionError("no " + kind + " for " + this.instance));
	}

	enum Kind {

		ACQUIRED, REVOKED, FENCED

	}

	record Event(String instance, Kind kind, long sequence, long nanos, @Nullable String reason) {

		Event {
			Objects.requireNonNull(instance);
		}

	}

}
