package dev.harvest.outbox.membership;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Coalesces membership changes the way Serf does: the first change opens a period, and when it
 * ends the membership at its end is compared with the one last reported, so that only the net
 * change is reported. The first membership offered is the baseline and is not a change. Not
 * thread-safe.
 */
final class ChangeCoalescer {

	private final Duration period;

	private @Nullable Membership reported;

	private @Nullable Membership latest;

	private @Nullable Instant due;

	ChangeCoalescer(Duration period) {
		this.period = period;
	}

	/**
	 * Takes a newly described membership.
	 * @param membership the membership
	 * @param now the time it was described
	 */
	void offer(Membership membership, Instant now) {
		if (this.reported == null) {
			this.reported = membership;
			return;
		}
		this.latest = membership;
		if (this.due == null && MembersChanged.between(this.reported, membership) != null) {
			this.due = now.plus(this.period);
		}
	}

	/**
	 * Returns when the open period ends.
	 * @return the end, or {@code null} when no change is pending
	 */
	@Nullable Instant due() {
		return this.due;
	}

	/**
	 * Ends the open period if it is over.
	 * @param now the current time
	 * @return the net change over the period, or {@code null} when no period ended or the
	 * changes cancelled out
	 */
	@Nullable MembersChanged poll(Instant now) {
		Instant periodEnd = this.due;
		if (periodEnd == null || now.isBefore(periodEnd) || this.reported == null || this.latest == null) {
			return null;
		}
		MembersChanged changed = MembersChanged.between(this.reported, this.latest);
		this.reported = this.latest;
		this.due = null;
		return changed;
	}

}
