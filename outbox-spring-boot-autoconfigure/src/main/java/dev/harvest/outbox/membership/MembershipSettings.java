package dev.harvest.outbox.membership;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.InvalidLimitException;

/**
 * Which leader group to describe and how often. Every value is validated, and a bad one is
 * reported by its name through {@link InvalidLimitException}.
 *
 * @param groupId the leader election's consumer group
 * @param leaderTopic the leader topic; whoever is assigned its partition 0 leads
 * @param instanceName this instance's name, to mark it among the members
 * @param refreshInterval time between two descriptions of the group
 * @param timeout longest a description (and the read of the leader's epoch) may take
 * @param coalescePeriod changes seen within this period after a first change are reported as
 * one event, so that a rolling restart does not produce a storm of them
 */
public record MembershipSettings(String groupId, String leaderTopic, String instanceName, Duration refreshInterval,
		Duration timeout, Duration coalescePeriod) {

	/** Default {@code refreshInterval}. */
	public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(15);

	/** Default {@code timeout}. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

	/** Default {@code coalescePeriod}. */
	public static final Duration DEFAULT_COALESCE_PERIOD = Duration.ofSeconds(2);

	public MembershipSettings {
		requireText("groupId", groupId);
		requireText("leaderTopic", leaderTopic);
		requireText("instanceName", instanceName);
		requirePositive("refreshInterval", refreshInterval);
		requirePositive("timeout", timeout);
		requirePositive("coalescePeriod", coalescePeriod);
	}

	/**
	 * Returns settings with the default timings: a description every 15 seconds, each within
	 * 5 seconds, and changes coalesced over 2 seconds.
	 * @param groupId the leader election's consumer group
	 * @param leaderTopic the leader topic
	 * @param instanceName this instance's name
	 * @return the settings
	 */
	public static MembershipSettings of(String groupId, String leaderTopic, String instanceName) {
		return new MembershipSettings(groupId, leaderTopic, instanceName, DEFAULT_REFRESH_INTERVAL, DEFAULT_TIMEOUT,
				DEFAULT_COALESCE_PERIOD);
	}

	/**
	 * Returns a copy with other timings.
	 * @param refreshInterval time between two descriptions
	 * @param timeout longest a description may take
	 * @param coalescePeriod period over which changes are coalesced
	 * @return the copy
	 */
	public MembershipSettings withTimings(Duration refreshInterval, Duration timeout, Duration coalescePeriod) {
		return new MembershipSettings(this.groupId, this.leaderTopic, this.instanceName, refreshInterval, timeout,
				coalescePeriod);
	}

	private static void requireText(String name, @Nullable String value) {
		if (value == null || value.isBlank()) {
			throw new InvalidLimitException(name, value, "must not be empty");
		}
	}

	private static void requirePositive(String name, @Nullable Duration value) {
		if (value == null) {
			throw new InvalidLimitException(name, null, "must be set");
		}
		if (value.isNegative() || value.isZero()) {
			throw new InvalidLimitException(name, value, "must be positive");
		}
	}

}
