package dev.harvest.outbox.harvest.event;

/**
 * Something a harvester reports about itself; published to Spring as an application event.
 */
public interface HarvestEvent {

}
