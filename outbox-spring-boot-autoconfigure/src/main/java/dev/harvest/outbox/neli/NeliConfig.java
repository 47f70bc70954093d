package dev.harvest.outbox.neli;

import java.time.Duration;

import dev.harvest.outbox.harvest.Config;
import dev.harvest.outbox.harvest.Limits;

/**
 * Settings of one leader election: the group, its single-partition topic, this instance's
 * name and the timings that decide polling, heartbeats and fencing.
 *
 * @param groupId the consumer group all instances join
 * @param topic the leader topic; whoever is assigned its partition 0 leads
 * @param instanceName this instance's name, carried in its heartbeats
 * @param pollDuration longest a single consumer poll may wait
 * @param minPollInterval spacing of polls and heartbeats
 * @param maxPollInterval the lease is invalid when the election thread has not polled for
 * this long
 * @param heartbeatTimeout a leader with no own heartbeat read back for this long is fenced;
 * the consumer session timeout is three times this
 */
public record NeliConfig(String groupId, String topic, String instanceName, Duration pollDuration,
		Duration minPollInterval, Duration maxPollInterval, Duration heartbeatTimeout) {

	/**
	 * Takes the election settings from a harvester configuration.
	 * @param config the harvester configuration
	 * @return the election settings
	 */
	public static NeliConfig from(Config config) {
		Limits limits = config.limits();
		return new NeliConfig(config.leaderGroupId(), config.leaderTopic(), config.name(), limits.pollDuration(),
				limits.minPollInterval(), limits.maxPollInterval(), limits.heartbeatTimeout());
	}

	/**
	 * Returns the consumer session timeout: three heartbeat timeouts, as in goNELI.
	 * @return the session timeout
	 */
	public Duration sessionTimeout() {
		return this.heartbeatTimeout.multipliedBy(3);
	}

}
