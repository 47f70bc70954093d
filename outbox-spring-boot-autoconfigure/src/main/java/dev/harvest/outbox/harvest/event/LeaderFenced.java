package dev.harvest.outbox.harvest.event;

/**
 * The leader stopped at once because it lost contact with Kafka (no own heartbeat within the
 * heartbeat timeout) or found a newer epoch in the database; another leader may already be
 * running.
 *
 * @param reason why the leader fenced itself
 */
public record LeaderFenced(String reason) implements HarvestEvent {

}
