package dev.harvest.outbox.backlog;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

import dev.harvest.outbox.backlog.BacklogReport.TopicBacklog;
import dev.harvest.outbox.harvest.event.HarvestEventListener;

/**
 * Samples the outbox on a timer, judges the window of samples and keeps the latest
 * {@link BacklogReport}, which {@link #report()} returns without any I/O. Tells a listener
 * about status changes with {@link BacklogStatusChanged}: on every change, every renotify
 * interval while the status reported is not OK, and once on the return to OK; a healthy start
 * is not news, and neither is a sampler that fails from the start. Samples are taken on one
 * daemon thread, {@code harvest-backlog-<name>}.
 */
public final class BacklogMonitor implements AutoCloseable {

	/** How long {@link #close()} waits for the sampling thread. */
	public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

	private static final Log logger = LogFactory.getLog(BacklogMonitor.class);

	private final String name;

	private final SampleSource source;

	private final BacklogSettings settings;

	private final Supplier<LeaderView> leaderView;

	private final HarvestEventListener listener;

	private final Clock clock;

	private final BacklogEvaluator evaluator;

	private final BacklogWindow window;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition closing = this.lock.newCondition();

	private final AtomicBoolean started = new AtomicBoolean();

	private final AtomicBoolean closed = new AtomicBoolean();

	private volatile @Nullable Thread thread;

	private volatile BacklogReport report;

	private volatile @Nullable Consumer<BacklogReport> reportObserver;

	// Touched only by the sampling round, which holds the lock.

	private @Nullable BacklogSample lastSample;

	private @Nullable Instant lastSuccess;

	private boolean failing;

	private BacklogStatus notified = BacklogStatus.NOTFOUND;

	private boolean notifiedAny;

	private @Nullable Instant notifiedAt;

	/**
	 * Creates a monitor; nothing is sampled before {@link #start()}.
	 * @param name the instance name, used for the thread name and in logs
	 * @param sampler takes the samples
	 * @param settings the sample interval, window and rule settings
	 * @param leaderView supplies what is known about the leader, once per sample on the
	 * sampling thread; it may read the database with a bounded timeout, and returns
	 * {@link LeaderView#unknown()} when nothing is known
	 * @param listener told about status changes, on the sampling thread
	 */
	public BacklogMonitor(String name, BacklogSampler sampler, BacklogSettings settings,
			Supplier<LeaderView> leaderView, HarvestEventListener listener) {
		this(name, sampler::sample, settings, leaderView, listener, Clock.systemUTC());
	}

	BacklogMonitor(String name, SampleSource source, BacklogSettings settings, Supplier<LeaderView> leaderView,
			HarvestEventListener listener, Clock clock) {
		Assert.hasText(name, "'name' must not be empty");
		Assert.notNull(source, "'source' must not be null");
		Assert.notNull(settings, "'settings' must not be null");
		Assert.notNull(leaderView, "'leaderView' must not be null");
		Assert.notNull(listener, "'listener' must not be null");
		Assert.notNull(clock, "'clock' must not be null");
		this.name = name;
		this.source = source;
		this.settings = settings;
		this.leaderView = leaderView;
		this.listener = listener;
		this.clock = clock;
		this.evaluator = new BacklogEvaluator(settings);
		this.window = new BacklogWindow(settings.window());
		this.report = BacklogReport.notFound(windowOf(this.window.outbox()), null);
	}

	/**
	 * Starts sampling on the monitor's thread; returns at once. Starting a started monitor
	 * does nothing.
	 * @throws IllegalStateException when the monitor was closed
	 */
	public void start() {
		Assert.state(!this.closed.get(), () -> "Backlog monitor '" + this.name + "' is closed");
		if (!this.started.compareAndSet(false, true)) {
			return;
		}
		Thread sampling = new Thread(this::run, "harvest-backlog-" + this.name);
		// Closing is the way to stop; a forgotten monitor must not keep the JVM alive.
		sampling.setDaemon(true);
		this.thread = sampling;
		sampling.start();
	}

	/**
	 * Sets who is told about every new report, for example a metrics binder; called on the
	 * sampling thread after each sample, so it must be quick. May be called at any time.
	 * @param observer the observer
	 */
	public void setReportObserver(Consumer<BacklogReport> observer) {
		Assert.notNull(observer, "'observer' must not be null");
		this.reportObserver = observer;
	}

	/**
	 * Returns the latest report; never queries anything.
	 * @return the report, with status {@link BacklogStatus#NOTFOUND} before the first sample
	 */
	public BacklogReport report() {
		return this.report;
	}

	/**
	 * Returns the settings of this monitor.
	 * @return the settings
	 */
	public BacklogSettings settings() {
		return this.settings;
	}

	/**
	 * Stops sampling, waiting at most {@link #DEFAULT_CLOSE_TIMEOUT} for a sample in progress.
	 */
	@Override
	public void close() {
		close(DEFAULT_CLOSE_TIMEOUT);
	}

	/**
	 * Stops sampling, waiting at most {@code timeout} for a sample in progress; a sample still
	 * running then ends at its query timeout on a daemon thread.
	 * @param timeout the longest wait
	 */
	public void close(Duration timeout) {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		this.lock.lock();
		try {
			this.closing.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		Thread sampling = this.thread;
		if (sampling == null || sampling == Thread.currentThread()) {
			return;
		}
		try {
			TimeUnit.NANOSECONDS.timedJoin(sampling, timeout.toNanos());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (sampling.isAlive()) {
			logger.warn("Backlog monitor thread " + sampling.getName() + " did not stop within " + timeout
					+ "; interrupting it");
			sampling.interrupt();
		}
	}

	private void run() {
		long interval = this.settings.sampleInterval().toNanos();
		while (!this.closed.get()) {
			long started = System.nanoTime();
			try {
				sampleOnce();
			}
			catch (RuntimeException ex) {
				logger.error("Backlog monitor '" + this.name + "' failed to judge its samples; carrying on", ex);
			}
			if (!awaitNextSample(started + interval)) {
				return;
			}
		}
	}

	private boolean awaitNextSample(long deadline) {
		this.lock.lock();
		try {
			long remaining = deadline - System.nanoTime();
			while (!this.closed.get() && remaining > 0) {
				remaining = this.closing.awaitNanos(remaining);
			}
			return !this.closed.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Takes one sample, judges the window and notifies the listener; what the sampling thread
	 * does at every interval.
	 */
	void sampleOnce() {
		this.lock.lock();
		try {
			Instant now = this.clock.instant();
			String error = takeSample(now);
			BacklogReport current;
			if (this.lastSuccess == null || isStale(now)) {
				current = BacklogReport.notFound(windowOf(this.window.outbox()), error);
			}
			else {
				current = report(leaderView(), error);
			}
			this.report = current;
			observe(current);
			notifyListener(current, now);
		}
		finally {
			this.lock.unlock();
		}
	}

	private @Nullable String takeSample(Instant now) {
		try {
			BacklogSample sample = this.source.sample();
			if (this.lastSuccess != null && isStale(now)) {
				// A gap longer than the window: trends across it would mean nothing.
				this.window.clear();
			}
			this.window.add(sample);
			this.lastSample = sample;
			this.lastSuccess = now;
			if (this.failing) {
				logger.info("Backlog monitor '" + this.name + "' samples the outbox again");
				this.failing = false;
			}
			return null;
		}
		catch (RuntimeException ex) {
			String error = ex.getClass().getSimpleName() + ": " + ex.getMessage();
			if (!this.failing) {
				logger.warn("Backlog monitor '" + this.name + "' could not sample the outbox; retrying every "
						+ this.settings.sampleInterval(), ex);
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("Backlog monitor '" + this.name + "' could not sample the outbox: " + error);
			}
			this.failing = true;
			return error;
		}
	}

	private boolean isStale(Instant now) {
		return this.lastSuccess != null
				&& Duration.between(this.lastSuccess, now).compareTo(this.settings.windowSpan()) > 0;
	}

	private LeaderView leaderView() {
		try {
			LeaderView view = this.leaderView.get();
			return (view != null) ? view : LeaderView.unknown();
		}
		catch (RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Backlog monitor '" + this.name + "' could not read the leader view", ex);
			}
			return LeaderView.unknown();
		}
	}

	private BacklogReport report(LeaderView leader, @Nullable String error) {
		BacklogEvaluation evaluation = this.evaluator.evaluate(this.window, leader);
		Map<String, ScopeWindow> topicWindows = new HashMap<>();
		for (ScopeWindow topicWindow : this.window.topics()) {
			topicWindows.put(topicWindow.topic(), topicWindow);
		}
		List<TopicBacklog> topics = new ArrayList<>();
		for (ScopeEvaluation topic : evaluation.topics()) {
			ScopeWindow topicWindow = topicWindows.get(topic.topic());
			BacklogEntry end = topicWindow.end();
			topics.add(new TopicBacklog(topic.topic(), topic.status(), topic.reasons(), end.backlog(),
					topic.complete(), end.oldest(), age(end), topicWindow.start(), end));
		}
		ScopeWindow outbox = this.window.outbox();
		BacklogEntry end = outbox.end();
		BacklogSample sample = this.lastSample;
		Double publishRate = publishRate(outbox);
		return new BacklogReport(evaluation.status(), evaluation.reasons(), end.time(),
				evaluation.outbox().complete(), end.backlog(), sample != null && sample.capped(), end.oldest(),
				age(end), end.quarantined(), publishRate, insertRate(outbox, publishRate), windowOf(outbox), topics,
				(sample != null) ? sample.topicCount() : 0, error);
	}

	private static @Nullable Duration age(BacklogEntry entry) {
		OldestRow oldest = entry.oldest();
		return (oldest != null) ? oldest.ageAt(entry.time()) : null;
	}

	private @Nullable Double publishRate(ScopeWindow window) {
		Long first = window.start().published();
		Long last = window.end().published();
		double seconds = seconds(window.span());
		if (first == null || last == null || seconds <= 0) {
			return null;
		}
		return (last - first) / seconds;
	}

	private @Nullable Double insertRate(ScopeWindow window, @Nullable Double publishRate) {
		BacklogEntry start = window.start();
		BacklogEntry end = window.end();
		int cap = this.settings.countCap();
		if (publishRate == null || start.backlog() >= cap || end.backlog() >= cap) {
			return null;
		}
		// Whatever was not published and is not in the backlog any more cannot have come in.
		return Math.max(0, publishRate + (end.backlog() - start.backlog()) / seconds(window.span()));
	}

	private BacklogReport.Window windowOf(ScopeWindow window) {
		return new BacklogReport.Window(window.size(), window.entries().size(), this.settings.sampleInterval(),
				window.span(), window.isEmpty() ? null : window.start(), window.isEmpty() ? null : window.end());
	}

	private void observe(BacklogReport current) {
		Consumer<BacklogReport> observer = this.reportObserver;
		if (observer == null) {
			return;
		}
		try {
			observer.accept(current);
		}
		catch (RuntimeException ex) {
			logger.error("Report observer of backlog monitor '" + this.name + "' failed; carrying on", ex);
		}
	}

	private void notifyListener(BacklogReport current, Instant now) {
		BacklogStatus status = current.status();
		if (status != this.notified) {
			if (!this.notifiedAny && this.notified == BacklogStatus.NOTFOUND && status == BacklogStatus.OK) {
				// A healthy start is not news.
				this.notified = status;
				return;
			}
			log(this.notified, current);
			publish(new BacklogStatusChanged(this.notified, status, current.reasons()));
			this.notified = status;
			this.notifiedAt = now;
			this.notifiedAny = true;
		}
		else if (status != BacklogStatus.OK && this.notifiedAt != null
				&& Duration.between(this.notifiedAt, now).compareTo(this.settings.renotifyInterval()) >= 0) {
			publish(new BacklogStatusChanged(status, status, current.reasons()));
			this.notifiedAt = now;
		}
	}

	private void log(BacklogStatus previous, BacklogReport current) {
		String message = "Backlog monitor '" + this.name + "': outbox backlog " + previous + " -> " + current.status();
		if (current.status().isAlert()) {
			List<String> reasons = current.reasons().stream().map(BacklogReason::description).toList();
			logger.warn(message + ": " + String.join("; ", reasons));
		}
		else {
			logger.info(message);
		}
	}

	private void publish(BacklogStatusChanged event) {
		try {
			this.listener.onEvent(event);
		}
		catch (VirtualMachineError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			logger.error("Listener of backlog monitor '" + this.name + "' failed on " + event + "; carrying on", ex);
		}
	}

	private static double seconds(Duration duration) {
		return duration.toNanos() / 1e9;
	}

	/**
	 * Where samples come from; a {@link BacklogSampler} outside tests.
	 */
	@FunctionalInterface
	interface SampleSource {

		BacklogSample sample();

	}

}
