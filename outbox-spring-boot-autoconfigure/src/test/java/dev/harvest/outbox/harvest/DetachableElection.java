package dev.harvest.outbox.harvest;

import java.time.Duration;

import dev.harvest.outbox.neli.LeaderElection;
import dev.harvest.outbox.neli.LeadershipListener;

/**
 * A real leader election whose news can be kept from the harvester, as happens to a process
 * that was paused (a long GC, a frozen VM): the group moves on without it, but it has not yet
 * heard that it lost leadership, so its marker carries on with the old epoch. The lease is
 * the real election's, and a test may also withhold it, so that records are marked but not
 * sent.
 */
final class DetachableElection implements LeaderElection {

	private final LeaderElection delegate;

	private volatile boolean detached;

	private volatile boolean leaseWithheld;

	DetachableElection(LeaderElection delegate) {
		this.delegate = delegate;
	}

	@Override
	public void start(LeadershipListener listener) {
		this.delegate.start(new LeadershipListener() {

			@Override
			public void onLeaderAcquired() {
				if (!DetachableElection.this.detached) {
					listener.onLeaderAcquired();
				}
			}

			@Override
			public void onLeaderRevoked() {
				if (!DetachableElection.this.detached) {
					listener.onLeaderRevoked();
				}
			}

			@Override
			public void onLeaderFenced(String reason) {
				if (!DetachableElection.this.detached) {
					listener.onLeaderFenced(reason);
				}
			}

		});
	}

	/**
	 * Leaves the group behind the harvester's back: the real election closes and another
	 * instance can take over, while the harvester is never told.
	 * @param timeout how long closing may take
	 */
	void detach(Duration timeout) {
		this.detached = true;
		this.delegate.close(timeout);
	}

	/**
	 * Makes the lease invalid, or hands the decision back to the real election.
	 * @param withheld whether the lease is withheld
	 */
	void withholdLease(boolean withheld) {
		this.leaseWithheld = withheld;
	}

	@Override
	public boolean isLeader() {
		return this.delegate.isLeader();
	}

	@Override
	public boolean hasValidLease() {
		return !this.leaseWithheld && this.delegate.hasValidLease();
	}

	@Override
	public void close(Duration timeout) {
		this.delegate.close(timeout);
	}

}
