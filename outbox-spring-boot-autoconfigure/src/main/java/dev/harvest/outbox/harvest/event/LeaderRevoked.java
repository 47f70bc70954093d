package dev.harvest.outbox.harvest.event;

/**
 * Leadership was taken away by a rebalance. In-flight records have been drained and purged; a
 * listener may block to finish its own leader-only work, and the next leader is elected only
 * after it returns.
 */
public record LeaderRevoked() implements HarvestEvent {

}
