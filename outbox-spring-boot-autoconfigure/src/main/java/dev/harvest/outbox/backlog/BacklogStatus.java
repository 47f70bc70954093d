package dev.harvest.outbox.backlog;

/**
 * How the outbox is draining, with Burrow's numeric codes so that gauges and alert rules carry
 * over. From best to worst: {@link #OK}, {@link #WARN}, {@link #STALL}, {@link #STOP};
 * {@link #NOTFOUND} means there is nothing to judge.
 */
public enum BacklogStatus {

	/** The evaluator is off or has no data (no sample yet, or sampling keeps failing). */
	NOTFOUND(0, 0),

	/** Caught up, catching up, or not evaluated yet because the window is not complete enough. */
	OK(1, 1),

	/** Rows go out, but the backlog never shrinks, rows showed up late, rows were quarantined or are too old. */
	WARN(2, 2),

	/** Nobody is harvesting: no leader, or a leader that does not mark. */
	STOP(4, 4),

	/** The backlog does not move: nothing was published, or the oldest row is stuck. */
	STALL(5, 3);

	private final int code;

	private final int severity;

	BacklogStatus(int code, int severity) {
		this.code = code;
		this.severity = severity;
	}

	/**
	 * Returns Burrow's numeric code for this status, for gauges.
	 * @return NOTFOUND 0, OK 1, WARN 2, STOP 4, STALL 5
	 */
	public int code() {
		return this.code;
	}

	/**
	 * Whether this status calls for attention: {@link #WARN}, {@link #STALL} or {@link #STOP}.
	 * @return {@code true} for those statuses
	 */
	public boolean isAlert() {
		return this.severity >= WARN.severity;
	}

	/**
	 * Whether this status is worse than another.
	 * @param other the other status
	 * @return {@code true} when this one is worse
	 */
	public boolean isWorseThan(BacklogStatus other) {
		return this.severity > other.severity;
	}

	/**
	 * Returns the worse of two statuses.
	 * @param first one status
	 * @param second another status
	 * @return the worse one, {@code first} when they are equally bad
	 */
	public static BacklogStatus worst(BacklogStatus first, BacklogStatus second) {
		return second.isWorseThan(first) ? second : first;
	}

}
