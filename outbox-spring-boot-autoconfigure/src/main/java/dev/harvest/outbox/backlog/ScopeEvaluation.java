package dev.harvest.outbox.backlog;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The judgement of one scope's window.
 *
 * @param topic the topic, or {@code null} for the whole outbox
 * @param status the status
 * @param reasons why the status is not OK; empty when it is
 * @param complete the share of the scope's window that is filled
 */
public record ScopeEvaluation(@Nullable String topic, BacklogStatus status, List<BacklogReason> reasons,
		double complete) {

	public ScopeEvaluation {
		reasons = List.copyOf(reasons);
	}

}
