package dev.harvest.outbox.harvest.event;

/**
 * The leader publishes a held or parked key again, because an operator retried, released or
 * replayed its rows in quarantine.
 *
 * @param topic the record's topic
 * @param key the record's key
 */
public record KeyReleased(String topic, String key) implements HarvestEvent {

}
