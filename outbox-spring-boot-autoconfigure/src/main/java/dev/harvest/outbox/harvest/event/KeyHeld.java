package dev.harvest.outbox.harvest.event;

import dev.harvest.outbox.harvest.PoisonPolicy;

/**
 * A key stopped because one of its records could not be published: its later rows wait in the
 * outbox ({@link PoisonPolicy#HOLD_KEY HOLD_KEY}) or follow it into quarantine
 * ({@link PoisonPolicy#PARK_KEY PARK_KEY}) until an operator acts.
 *
 * @param topic the record's topic
 * @param key the record's key
 * @param id the id of the row that holds the key
 * @param policy the poison policy
 */
public record KeyHeld(String topic, String key, long id, PoisonPolicy policy) implements HarvestEvent {

}
