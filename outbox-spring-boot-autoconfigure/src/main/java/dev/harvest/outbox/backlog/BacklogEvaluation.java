package dev.harvest.outbox.backlog;

import java.util.List;

/**
 * The judgement of every scope, and the overall status: the worst of them.
 *
 * @param status the worst status of all scopes
 * @param reasons the reasons of the whole outbox, then those of the topics that add to them (a
 * topic's reason about the same row as an outbox reason of the same kind, or a stop every
 * topic inherits, is left out here but kept in the topic's judgement)
 * @param outbox the judgement of the whole outbox
 * @param topics the judgements of the topics, largest backlog first
 */
public record BacklogEvaluation(BacklogStatus status, List<BacklogReason> reasons, ScopeEvaluation outbox,
		List<ScopeEvaluation> topics) {

	public BacklogEvaluation {
		reasons = List.copyOf(reasons);
		topics = List.copyOf(topics);
	}

}
