package dev.harvest.outbox.backlog;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What is known about the outbox's harvester leader, for the rule that tells whether anybody
 * is harvesting. The caller assembles it, for example from the leader group's members in Kafka
 * and the {@code harvest_leader} row.
 *
 * @param state whether a leader exists, as far as is known
 * @param since with a leader, when it took over; without one, since when there has been none
 * ({@code null}: unknown, taken as long ago)
 * @param lastMark when the leader last ran its mark query successfully, whether or not it found
 * rows; {@code null} when not known
 */
public record LeaderView(State state, @Nullable Instant since, @Nullable Instant lastMark) {

	private static final LeaderView UNKNOWN = new LeaderView(State.UNKNOWN, null, null);

	/**
	 * Returns a view that knows nothing: the rule about leaders is then not applied.
	 * @return the unknown view
	 */
	public static LeaderView unknown() {
		return UNKNOWN;
	}

	/**
	 * Returns a view with a leader.
	 * @param since when it took over, or {@code null} when not known
	 * @param lastMark when it last marked, or {@code null} when not known
	 * @return the view
	 */
	public static LeaderView leader(@Nullable Instant since, @Nullable Instant lastMark) {
		return new LeaderView(State.LEADER, since, lastMark);
	}

	/**
	 * Returns a view without a leader.
	 * @param since since when there has been none, or {@code null} when not known
	 * @return the view
	 */
	public static LeaderView noLeader(@Nullable Instant since) {
		return new LeaderView(State.NO_LEADER, since, null);
	}

	/**
	 * Returns this view with the leader's last mark time, for example taken from the local
	 * harvester when this instance leads.
	 * @param lastMark when the leader last marked
	 * @return the view
	 */
	public LeaderView withLastMark(@Nullable Instant lastMark) {
		return new LeaderView(this.state, this.since, lastMark);
	}

	/**
	 * Whether a leader exists, as far as is known.
	 */
	public enum State {

		/** Nothing is known about the leader. */
		UNKNOWN,

		/** A member of the leader group holds the leadership. */
		LEADER,

		/** No member of the leader group holds the leadership. */
		NO_LEADER

	}

}
