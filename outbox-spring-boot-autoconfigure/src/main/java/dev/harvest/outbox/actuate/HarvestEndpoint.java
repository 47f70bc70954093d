package dev.harvest.outbox.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.harvest.outbox.harvest.HarvestError;
import dev.harvest.outbox.harvest.HarvestState;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.event.MeterStats;

/**
 * {@link Endpoint @Endpoint} that shows what the harvester is doing and lets an operator pause
 * and resume it. Write operations need {@code management.endpoint.harvest.access=unrestricted}.
 */
@Endpoint(id = "harvest", defaultAccess = Access.READ_ONLY)
public class HarvestEndpoint {

	/** Most in-flight keys listed in a response. */
	static final int MAX_KEYS = 100;

	private static final Log logger = LogFactory.getLog(HarvestEndpoint.class);

	private final Harvester harvester;

	public HarvestEndpoint(Harvester harvester) {
		this.harvester = harvester;
	}

	@ReadOperation
	public HarvestDescriptor harvest() {
		Set<String> keys = this.harvester.inFlightRecordKeys();
		List<String> shown = keys.stream().sorted().limit(MAX_KEYS).toList();
		return new HarvestDescriptor(this.harvester.state(), this.harvester.isPaused(),
				this.harvester.config().name(), this.harvester.config().outboxTable().toString(),
				this.harvester.config().leaderGroupId(), this.harvester.config().leaderTopic(),
				this.harvester.isLeader(), this.harvester.leaderId(), this.harvester.epoch(),
				this.harvester.inFlightRecords(), shown, keys.size() > shown.size(), this.harvester.queuedRecords(),
				this.harvester.meterStats(), this.harvester.lastError(), LimitsDescriptor.of(this.harvester.config().limits()));
	}

	/**
	 * Pauses or resumes harvesting: {@code POST /actuator/harvest/pause} or
	 * {@code /actuator/harvest/resume}. A paused leader keeps leadership but marks and sends
	 * nothing new.
	 * @param action {@code pause} or {@code resume}
	 * @return the state after the action
	 */
	@WriteOperation
	public HarvestDescriptor perform(@Selector String action) {
		switch (action) {
			case "pause" -> this.harvester.pause();
			case "resume" -> this.harvester.resume();
			default -> throw new IllegalArgumentException(
					"Unknown action '" + action + "'; use 'pause' or 'resume'");
		}
		logger.info("Harvester " + action + "d through the harvest endpoint");
		return harvest();
	}

	/**
	 * What the harvester is doing.
	 *
	 * @param state lifecycle state
	 * @param paused whether an operator paused harvesting
	 * @param name instance name
	 * @param outboxTable the outbox table
	 * @param leaderGroupId the leader election group
	 * @param leaderTopic the leader election topic
	 * @param leader whether this instance leads
	 * @param leaderId the current leader id, when leading
	 * @param epoch the current leadership epoch, when leading
	 * @param inFlightRecords records sent and not yet acknowledged
	 * @param inFlightKeys keys with a record in flight (at most 100)
	 * @param inFlightKeysTruncated whether more keys are in flight than listed
	 * @param queuedRecords records marked and waiting to be sent
	 * @param meter throughput
	 * @param lastError the last error seen, if any
	 * @param limits the limits in force
	 */
	public record HarvestDescriptor(HarvestState state, boolean paused, String name, String outboxTable,
			String leaderGroupId, String leaderTopic, boolean leader, @Nullable UUID leaderId, long epoch,
			int inFlightRecords, List<String> inFlightKeys, boolean inFlightKeysTruncated, int queuedRecords,
			MeterStats meter, @Nullable HarvestError lastError, LimitsDescriptor limits)
			implements OperationResponseBody {

	}

	/**
	 * The limits in force, with durations as ISO-8601 text.
	 *
	 * @param heartbeatTimeout leader heartbeat timeout
	 * @param maxPollInterval longest gap between leader polls
	 * @param queueTimeout stall report threshold
	 * @param markQueryRecords rows per mark
	 * @param maxInFlightRecords in-flight cap
	 * @param maxQueuedRecords queued cap
	 * @param sendConcurrency sender shards
	 * @param sendBuffer per-shard buffer
	 * @param drainTimeout longest drain on revoke or stop
	 * @param maxMarkBackoff longest idle pause between marks
	 */
	public record LimitsDescriptor(Duration heartbeatTimeout, Duration maxPollInterval, Duration queueTimeout,
			int markQueryRecords, int maxInFlightRecords, int maxQueuedRecords, int sendConcurrency, int sendBuffer,
			Duration drainTimeout, Duration maxMarkBackoff) {

		static LimitsDescriptor of(Limits limits) {
			return new LimitsDescriptor(limits.heartbeatTimeout(), limits.maxPollInterval(), limits.queueTimeout(),
					limits.markQueryRecords(), limits.maxInFlightRecords(), limits.maxQueuedRecords(),
					limits.sendConcurrency(), limits.sendBuffer(), limits.drainTimeout(), limits.maxMarkBackoff());
		}

	}

}
