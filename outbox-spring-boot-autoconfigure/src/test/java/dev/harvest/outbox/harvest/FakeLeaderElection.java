package dev.harvest.outbox.harvest;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.harvest.outbox.neli.LeaderElection;
import dev.harvest.outbox.neli.LeadershipListener;

/**
 * A leader election that the test drives: acquisition, revocation and fencing are delivered
 * on a dedicated election thread, as the real one does.
 */
final class FakeLeaderElection implements LeaderElection {

	private final ExecutorService thread = Executors.newSingleThreadExecutor((task) -> {
		Thread electionThread = new Thread(task, "fake-election");
		electionThread.setDaemon(true);
		return electionThread;
	});

	private final AtomicInteger closes = new AtomicInteger();

	private volatile LeadershipListener listener;

	private volatile boolean leader;

	private volatile boolean leaseRevoked;

	@Override
	public void start(LeadershipListener listener) {
		this.listener = listener;
	}

	Future<?> acquire() {
		return this.thread.submit(() -> {
			this.leader = true;
			this.listener.onLeaderAcquired();
		});
	}

	Future<?> revoke() {
		return this.thread.submit(() -> {
			this.leader = false;
			this.listener.onLeaderRevoked();
		});
	}

	Future<?> fence(String reason) {
		return this.thread.submit(() -> {
			this.leader = false;
			this.listener.onLeaderFenced(reason);
		});
	}

	/**
	 * Makes the lease invalid (or valid again) without telling the listener, as when the
	 * election thread has not polled for too long.
	 * @param revoked whether the lease is invalid
	 */
	void leaseRevoked(boolean revoked) {
		this.leaseRevoked = revoked;
	}

	int closes() {
		return this.closes.get();
	}

	@Override
	public boolean isLeader() {
		return this.leader;
	}

	@Override
	public boolean hasValidLease() {
		return this.leader && !this.leaseRevoked;
	}

	@Override
	public void close(Duration timeout) {
		this.closes.incrementAndGet();
		try {
			if (this.leader && this.listener != null) {
				revoke().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		catch (Exception ex) {
			// A slow revoke is the listener's business; the election closes regardless.
		}
		finally {
			this.thread.shutdown();
		}
	}

}
