package dev.harvest.outbox.harvest;

import java.util.UUID;

/**
 * What the harvester leads with: the leader id it stamps on rows and the epoch that fences it
 * in the database. A refresh keeps the epoch and changes the id.
 *
 * @param leaderId the leader id of the term
 * @param epoch the leadership epoch
 */
record Term(UUID leaderId, long epoch) {

}
