package dev.harvest.outbox.actuate;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.harvest.outbox.harvest.HarvestError;
import dev.harvest.outbox.harvest.HarvestState;
import dev.harvest.outbox.harvest.Harvester;

/**
 * Health of the harvester from its own state, without remote calls: up while running (as
 * leader or standby), down once stopped, with the last error as a detail.
 */
public class HarvestHealthIndicator extends AbstractHealthIndicator {

	private final Harvester harvester;

	public HarvestHealthIndicator(Harvester harvester) {
		super("Harvest health check failed");
		this.harvester = harvester;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		HarvestState state = this.harvester.state();
		if (state == HarvestState.RUNNING) {
			builder.up();
		}
		else if (state == HarvestState.CREATED) {
			builder.unknown();
		}
		else {
			builder.down();
		}
		builder.withDetail("state", state)
			.withDetail("role", this.harvester.isLeader() ? "leader" : "standby")
			.withDetail("paused", this.harvester.isPaused())
			.withDetail("inFlightRecords", this.harvester.inFlightRecords())
			.withDetail("queuedRecords", this.harvester.queuedRecords());
		if (this.harvester.isLeader()) {
			builder.withDetail("epoch", this.harvester.epoch());
		}
		HarvestError error = this.harvester.lastError();
		if (error != null) {
			builder.withDetail("lastError", error);
		}
	}

}
