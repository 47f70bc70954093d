package dev.harvest.outbox.actuate;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.backlog.BacklogReport;
import dev.harvest.outbox.backlog.BacklogStatus;
import dev.harvest.outbox.harvest.HarvestError;
import dev.harvest.outbox.harvest.HarvestState;
import dev.harvest.outbox.harvest.Harvester;

/**
 * Health of the outbox from the latest backlog report, without remote calls: OK and WARN are
 * up (WARN with its reasons), STALL and STOP are down, and it is unknown before the first
 * judgement. It answers for the outbox, so every instance gives the same answer, whatever its
 * own harvester does; the harvester's state and role are details. With the evaluator off it is
 * unknown, or down once the harvester stopped.
 */
public class HarvestHealthIndicator extends AbstractHealthIndicator {

	private final Harvester harvester;

	private final @Nullable BacklogMonitor backlog;

	/**
	 * Creates an indicator without a backlog judgement: unknown while the harvester runs.
	 * @param harvester the harvester
	 */
	public HarvestHealthIndicator(Harvester harvester) {
		this(harvester, null);
	}

	/**
	 * Creates an indicator.
	 * @param harvester the harvester
	 * @param backlog the backlog monitor, or {@code null} when the evaluator is off
	 */
	public HarvestHealthIndicator(Harvester harvester, @Nullable BacklogMonitor backlog) {
		super("Harvest health check failed");
		this.harvester = harvester;
		this.backlog = backlog;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		HarvestState state = this.harvester.state();
		BacklogReport report = (this.backlog != null) ? this.backlog.report() : null;
		if (report != null) {
			builder.status(status(report.status()));
		}
		else if (state == HarvestState.CREATED || state == HarvestState.RUNNING) {
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
		builder.withDetail("backlog", (report != null) ? BacklogSummary.of(report) : "off");
		HarvestError error = this.harvester.lastError();
		if (error != null) {
			builder.withDetail("lastError", error);
		}
	}

	/**
	 * Maps a backlog status to a health status.
	 * @param status the backlog status
	 * @return up for OK and WARN, down for STALL and STOP, unknown for NOTFOUND
	 */
	static Status status(BacklogStatus status) {
		return switch (status) {
			case OK, WARN -> Status.UP;
			case STALL, STOP -> Status.DOWN;
			case NOTFOUND -> Status.UNKNOWN;
		};
	}

}
