package dev.harvest.outbox.harvest.event;

/**
 * Receives a harvester's events, synchronously on the harvester's thread. An exception thrown
 * here is logged and does not affect the harvester.
 */
@FunctionalInterface
public interface HarvestEventListener {

	/**
	 * Handles an event.
	 * @param event the event
	 */
	void onEvent(HarvestEvent event);

}
