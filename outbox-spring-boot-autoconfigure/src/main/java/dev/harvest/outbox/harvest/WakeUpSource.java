package dev.harvest.outbox.harvest;

/**
 * Tells the leader that new rows were committed, so that it marks at once instead of waiting
 * for its next poll; PostgreSQL's LISTEN/NOTIFY in production.
 */
interface WakeUpSource {

	/**
	 * Starts listening; may block on the database, so it is called on the marker thread.
	 * @param onWakeUp called (on any thread) whenever rows may be waiting
	 */
	void start(Runnable onWakeUp);

	/**
	 * Stops listening and releases the source's resources.
	 */
	void close();

}
