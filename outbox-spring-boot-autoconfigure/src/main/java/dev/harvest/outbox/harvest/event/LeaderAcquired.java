package dev.harvest.outbox.harvest.event;

import java.util.UUID;

/**
 * This instance became the leader (or resumed leadership after a fence) and took a new epoch.
 *
 * @param leaderId the fresh leader id stamped on the rows this leader marks
 * @param epoch the leadership epoch, greater than any earlier one of the group
 */
public record LeaderAcquired(UUID leaderId, long epoch) implements HarvestEvent {

}
