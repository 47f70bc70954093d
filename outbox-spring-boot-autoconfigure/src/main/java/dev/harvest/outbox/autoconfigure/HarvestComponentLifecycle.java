package dev.harvest.outbox.autoconfigure;

import org.springframework.context.SmartLifecycle;

/**
 * Starts one of Harvest's background components, such as the backlog monitor, with the
 * application context and closes it when the context stops, in the harvester's phase so that
 * they start and stop together. A closed component cannot be started again.
 */
final class HarvestComponentLifecycle implements SmartLifecycle {

	private final Runnable start;

	private final AutoCloseable component;

	private final int phase;

	private volatile boolean running;

	/**
	 * Creates the lifecycle of a component.
	 * @param start starts the component; returns at once
	 * @param component closes the component, waiting a bounded time
	 * @param phase the lifecycle phase
	 */
	HarvestComponentLifecycle(Runnable start, AutoCloseable component, int phase) {
		this.start = start;
		this.component = component;
		this.phase = phase;
	}

	@Override
	public void start() {
		this.start.run();
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		try {
			this.component.close();
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not close " + this.component, ex);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

}
