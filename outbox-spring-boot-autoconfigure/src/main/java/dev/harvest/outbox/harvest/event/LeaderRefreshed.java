package dev.harvest.outbox.harvest.event;

import java.util.UUID;

/**
 * The leader minted a new leader id because it could not know what it had marked, for example
 * after a mark statement failed on the client side but may have committed.
 *
 * @param leaderId the new leader id
 */
public record LeaderRefreshed(UUID leaderId) implements HarvestEvent {

}
