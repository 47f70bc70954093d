package dev.harvest.outbox.harvest;

/**
 * The lifecycle state of a {@link Harvester}.
 */
public enum HarvestState {

	/** Constructed, not yet started. */
	CREATED,

	/** Started: electing, harvesting when leader. */
	RUNNING,

	/** Stopping: draining in-flight records and letting go of leadership. */
	STOPPING,

	/** Stopped; a stopped harvester cannot be started again. */
	STOPPED

}
