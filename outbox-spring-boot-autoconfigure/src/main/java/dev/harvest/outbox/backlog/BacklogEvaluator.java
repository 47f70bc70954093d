package dev.harvest.outbox.backlog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.backlog.BacklogReason.Kind;

/**
 * Judges windows of backlog samples with Burrow's threshold-free rules, adapted to the outbox.
 * Pure: no I/O and no clock; "now" is the time of a window's newest sample.
 *
 * <p>Rules for each scope, in order, the first that matches decides:
 * <ol>
 * <li>R0, OK: the current backlog is at most {@code allowedBacklog}.</li>
 * <li>R1, OK without judging: less of the window is filled than {@code minimumComplete}.</li>
 * <li>R2, STOP ({@code NO_LEADER}, {@code LEADER_NOT_MARKING}): there has been no leader for
 * longer than the window spans, or the leader has not marked for that long; unless some sample
 * in the window was caught up (Burrow's "recently caught up" exception).</li>
 * <li>R3, WARN ({@code LATE_ROWS}): the oldest id went down at some sample and never climbed
 * back: a row committed late with a lower id than rows already gone.</li>
 * <li>R4, only when no sample in the window was caught up: STALL ({@code NO_PROGRESS}) when
 * the published counter did not move; STALL ({@code HEAD_OF_LINE_BLOCKED}) when the oldest row
 * stayed the same and is older than the window's span; WARN ({@code FALLING_BEHIND}) when the
 * backlog never decreased from one sample to the next.</li>
 * <li>R6, OK: the backlog went down at least once, so the harvester is catching up.</li>
 * </ol>
 * Then two overlays can only make the status worse, whatever rule decided: quarantined rows
 * make it at least WARN ({@code QUARANTINE}); an oldest row at least {@code ageError} old makes
 * it at least STALL ({@code AGE_ERROR}), or at least {@code ageWarn} old at least WARN
 * ({@code AGE_WARN}).
 */
public final class BacklogEvaluator {

	private final double minimumComplete;

	private final long allowedBacklog;

	private final long countCap;

	private final @Nullable Duration ageWarn;

	private final @Nullable Duration ageError;

	/**
	 * Creates an evaluator with the rule settings of {@code settings}: minimum complete,
	 * allowed backlog and the optional ages.
	 * @param settings the settings
	 */
	public BacklogEvaluator(BacklogSettings settings) {
		this.minimumComplete = settings.minimumComplete();
		this.allowedBacklog = settings.allowedBacklog();
		this.countCap = settings.countCap();
		this.ageWarn = settings.ageWarn();
		this.ageError = settings.ageError();
	}

	/**
	 * Judges the whole outbox and each topic in a window.
	 * @param window the samples
	 * @param leader what is known about the leader
	 * @return the judgement; {@link BacklogStatus#NOTFOUND} when there is no sample yet
	 */
	public BacklogEvaluation evaluate(BacklogWindow window, LeaderView leader) {
		ScopeEvaluation outbox = evaluate(window.outbox(), leader);
		BacklogStatus status = outbox.status();
		List<BacklogReason> reasons = new ArrayList<>(outbox.reasons());
		List<ScopeEvaluation> topics = new ArrayList<>();
		for (ScopeWindow topicWindow : window.topics()) {
			ScopeEvaluation topic = evaluate(topicWindow, leader);
			topics.add(topic);
			status = BacklogStatus.worst(status, topic.status());
			for (BacklogReason reason : topic.reasons()) {
				if (!repeats(outbox.reasons(), reason)) {
					reasons.add(reason);
				}
			}
		}
		return new BacklogEvaluation(status, reasons, outbox, topics);
	}

	/**
	 * Whether a topic's reason says nothing the outbox's reasons do not: the same kind about
	 * the same row, or a stop every topic inherits from the outbox.
	 */
	private static boolean repeats(List<BacklogReason> outboxReasons, BacklogReason topicReason) {
		for (BacklogReason outboxReason : outboxReasons) {
			if (outboxReason.kind() != topicReason.kind()) {
				continue;
			}
			if (topicReason.kind() == Kind.NO_LEADER || topicReason.kind() == Kind.LEADER_NOT_MARKING) {
				return true;
			}
			OldestRow outboxRow = outboxReason.row();
			OldestRow topicRow = topicReason.row();
			if (outboxRow != null && topicRow != null && outboxRow.id() == topicRow.id()) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Judges one scope's window.
	 * @param window the scope's samples
	 * @param leader what is known about the leader; it applies to every scope, so a topic with
	 * a backlog stops when the outbox does
	 * @return the judgement; {@link BacklogStatus#NOTFOUND} when the window is empty
	 */
	public ScopeEvaluation evaluate(ScopeWindow window, LeaderView leader) {
		if (window.isEmpty()) {
			return new ScopeEvaluation(window.topic(), BacklogStatus.NOTFOUND, List.of(), 0);
		}
		List<BacklogReason> reasons = new ArrayList<>();
		BacklogStatus status = applyRules(window, leader, reasons);
		status = applyOverlays(window, status, reasons);
		return new ScopeEvaluation(window.topic(), status, reasons, window.complete());
	}

	private BacklogStatus applyRules(ScopeWindow window, LeaderView leader, List<BacklogReason> reasons) {
		BacklogEntry end = window.end();
		// R0: caught up.
		if (end.backlog() <= this.allowedBacklog) {
			return BacklogStatus.OK;
		}
		// R1: too little seen to judge.
		if (window.complete() < this.minimumComplete) {
			return BacklogStatus.OK;
		}
		boolean caughtUpInWindow = window.entries()
			.stream()
			.anyMatch((entry) -> entry.backlog() <= this.allowedBacklog);
		// R2: nobody is harvesting.
		if (!caughtUpInWindow) {
			BacklogReason stop = stopReason(window, leader);
			if (stop != null) {
				reasons.add(stop);
				return BacklogStatus.STOP;
			}
		}
		// R3: a row became visible late.
		BacklogReason late = lateRows(window);
		if (late != null) {
			reasons.add(late);
			return BacklogStatus.WARN;
		}
		// R4: never caught up across the window.
		if (!caughtUpInWindow) {
			BacklogReason stall = stallReason(window);
			if (stall != null) {
				reasons.add(stall);
				return BacklogStatus.STALL;
			}
			if (neverDecreased(window)) {
				reasons.add(reason(Kind.FALLING_BEHIND, window, fallingBehind(window), end.oldest(), end));
				return BacklogStatus.WARN;
			}
		}
		// R6: the backlog went down at least once, so the harvester is catching up.
		return BacklogStatus.OK;
	}

	private @Nullable BacklogReason stopReason(ScopeWindow window, LeaderView leader) {
		BacklogEntry end = window.end();
		Instant now = end.time();
		Duration span = window.span();
		if (leader.state() == LeaderView.State.NO_LEADER) {
			Instant since = leader.since();
			if (since == null || Duration.between(since, now).compareTo(span) > 0) {
				String how = (since != null) ? " since " + since : "";
				return reason(Kind.NO_LEADER, window, "nobody is harvesting " + window.describe()
						+ ": the leader group has had no leader" + how + ", and " + end.backlog() + " rows wait",
						end.oldest(), end);
			}
		}
		else if (leader.state() == LeaderView.State.LEADER) {
			Instant lastMark = leader.lastMark();
			if (lastMark != null && Duration.between(lastMark, now).compareTo(span) > 0) {
				return reason(Kind.LEADER_NOT_MARKING, window, "the leader has not marked rows since " + lastMark
						+ ", and " + end.backlog() + " rows of " + window.describe() + " wait", end.oldest(), end);
			}
		}
		return null;
	}

	private @Nullable BacklogReason lateRows(ScopeWindow window) {
		List<BacklogEntry> entries = window.entries().stream().filter((entry) -> entry.oldest() != null).toList();
		for (int i = 1; i < entries.size(); i++) {
			long before = oldestId(entries.get(i - 1));
			long now = oldestId(entries.get(i));
			if (now >= before) {
				continue;
			}
			boolean recovered = false;
			for (int j = i + 1; j < entries.size() && !recovered; j++) {
				recovered = oldestId(entries.get(j)) >= before;
			}
			if (!recovered) {
				BacklogEntry late = entries.get(i);
				return reason(Kind.LATE_ROWS, window, "row " + now + " of " + window.describe()
						+ " became visible after rows up to id " + before + " had gone: it committed late,"
						+ " which puts per-key order at risk", late.oldest(), window.end());
			}
		}
		return null;
	}

	private @Nullable BacklogReason stallReason(ScopeWindow window) {
		BacklogEntry start = window.start();
		BacklogEntry end = window.end();
		boolean counted = window.entries().stream().allMatch((entry) -> entry.published() != null);
		if (counted && window.entries().stream().allMatch((entry) -> entry.published().equals(end.published()))) {
			return reason(Kind.NO_PROGRESS, window, "nothing was published in " + window.span().toSeconds()
					+ " s while " + end.backlog() + " rows of " + window.describe() + " waited", end.oldest(), end);
		}
		OldestRow oldest = end.oldest();
		if (oldest != null && start.oldest() != null
				&& window.entries().stream().allMatch((entry) -> sameOldest(entry, oldest))
				&& oldest.ageAt(end.time()).compareTo(window.span()) > 0) {
			return reason(Kind.HEAD_OF_LINE_BLOCKED, window,
					"row " + oldest.id() + " (topic '" + oldest.topic() + "', key '" + oldest.key()
							+ "') has been the oldest of " + window.describe() + " for the whole window and is "
							+ oldest.ageAt(end.time()).toSeconds() + " s old",
					oldest, end);
		}
		return null;
	}

	private boolean neverDecreased(ScopeWindow window) {
		List<BacklogEntry> entries = window.entries();
		for (int i = 1; i < entries.size(); i++) {
			if (entries.get(i).backlog() < entries.get(i - 1).backlog()) {
				return false;
			}
		}
		return true;
	}

	private String fallingBehind(ScopeWindow window) {
		long first = window.start().backlog();
		long last = window.end().backlog();
		if (window.topic() == null && first >= this.countCap) {
			// Counts stop at the cap, so a shrinking backlog above it looks constant.
			return "the backlog of " + window.describe() + " stayed at or above the count cap of " + this.countCap
					+ " rows for " + window.span().toSeconds() + " s";
		}
		return "the backlog of " + window.describe() + " never shrank in " + window.span().toSeconds() + " s ("
				+ first + " rows, then " + last + ")";
	}

	private BacklogStatus applyOverlays(ScopeWindow window, BacklogStatus status, List<BacklogReason> reasons) {
		BacklogEntry end = window.end();
		Long quarantined = end.quarantined();
		if (quarantined != null && quarantined > 0) {
			reasons.add(reason(Kind.QUARANTINE, window,
					quarantined + " rows were quarantined and wait for an operator", null, end));
			status = BacklogStatus.worst(status, BacklogStatus.WARN);
		}
		OldestRow oldest = end.oldest();
		if (oldest == null) {
			return status;
		}
		Duration age = oldest.ageAt(end.time());
		if (this.ageError != null && age.compareTo(this.ageError) >= 0) {
			reasons.add(reason(Kind.AGE_ERROR, window, "the oldest row of " + window.describe() + " is "
					+ age.toSeconds() + " s old, at least the error age of " + this.ageError.toSeconds() + " s", oldest,
					end));
			return BacklogStatus.worst(status, BacklogStatus.STALL);
		}
		if (this.ageWarn != null && age.compareTo(this.ageWarn) >= 0) {
			reasons.add(reason(Kind.AGE_WARN, window, "the oldest row of " + window.describe() + " is "
					+ age.toSeconds() + " s old, at least the warning age of " + this.ageWarn.toSeconds() + " s",
					oldest, end));
			return BacklogStatus.worst(status, BacklogStatus.WARN);
		}
		return status;
	}

	private static BacklogReason reason(Kind kind, ScopeWindow window, String description, @Nullable OldestRow row,
			BacklogEntry at) {
		Duration age = (row != null) ? row.ageAt(at.time()) : null;
		return new BacklogReason(kind, window.topic(), description, row, age);
	}

	private static boolean sameOldest(BacklogEntry entry, OldestRow oldest) {
		OldestRow entryOldest = entry.oldest();
		return entryOldest != null && entryOldest.id() == oldest.id();
	}

	private static long oldestId(BacklogEntry entry) {
		OldestRow oldest = entry.oldest();
		return (oldest != null) ? oldest.id() : Long.MAX_VALUE;
	}

}
