package dev.harvest.outbox.harvest;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.harvest.outbox.harvest.event.HarvestEvent;
import dev.harvest.outbox.harvest.event.HarvestEventListener;

/**
 * Delivers events to the harvester's listener on the calling thread, containing whatever the
 * listener throws so that no harvester thread breaks because of it.
 */
final class HarvestEvents {

	private static final Log logger = LogFactory.getLog(HarvestEvents.class);

	private final String name;

	private final HarvestEventListener listener;

	HarvestEvents(String name, HarvestEventListener listener) {
		this.name = name;
		this.listener = listener;
	}

	void publish(HarvestEvent event) {
		if (logger.isDebugEnabled()) {
			logger.debug("Harvester '" + this.name + "': " + event);
		}
		try {
			this.listener.onEvent(event);
		}
		catch (VirtualMachineError ex) {
			throw ex;
		}
		catch (Throwable ex) {
			logger.error("Listener of harvester '" + this.name + "' failed on " + event + "; carrying on", ex);
		}
	}

}
