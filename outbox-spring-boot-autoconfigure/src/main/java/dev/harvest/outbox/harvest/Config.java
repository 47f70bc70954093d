package dev.harvest.outbox.harvest;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * What a harvester harvests and how: the outbox table, the leader group and topic, the
 * instance name, limits and retry policy. Build with {@link #builder()}.
 *
 * @param name this instance's name, shown in logs, heartbeats and the membership view
 * @param outboxTable the outbox table, optionally schema-qualified
 * @param leaderGroupId the Kafka consumer group through which instances elect a leader
 * @param leaderTopic the single-partition topic whose partition 0 the leader owns
 * @param limits timings and bounds
 * @param retry how failed sends are retried and when a record counts as poison
 * @param listenForNotifications whether the leader listens for the stasher's notifications
 * to mark at once instead of waiting for the next poll
 */
public record Config(String name, OutboxTable outboxTable, String leaderGroupId, String leaderTopic, Limits limits,
		RetryPolicy retry, boolean listenForNotifications) {

	private static final Pattern KAFKA_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

	/** Default outbox table name. */
	public static final String DEFAULT_OUTBOX_TABLE = "outbox";

	/** Suffix appended to the group id to make the default leader topic. */
	public static final String LEADER_TOPIC_SUFFIX = ".neli";

	public Config {
		if (name == null || name.isBlank()) {
			throw new InvalidLimitException("name", name, "must not be blank");
		}
		if (outboxTable == null) {
			throw new InvalidLimitException("outboxTable", null, "must be set");
		}
		requireKafkaName("leaderGroupId", leaderGroupId);
		requireKafkaName("leaderTopic", leaderTopic);
		if (limits == null) {
			throw new InvalidLimitException("limits", null, "must be set");
		}
		if (retry == null) {
			throw new InvalidLimitException("retry", null, "must be set");
		}
	}

	private static void requireKafkaName(String field, @Nullable String value) {
		if (value == null || !KAFKA_NAME.matcher(value).matches()) {
			throw new InvalidLimitException(field, value,
					"must be 1 to 249 characters of letters, digits, '.', '_' and '-'");
		}
	}

	/**
	 * Starts a builder; a leader group id is required.
	 * @return a builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Makes a default instance name from the host name, process id and start time, like
	 * goharvest's {@code host_pid_time}.
	 * @return a name
	 */
	public static String defaultName() {
		String host;
		try {
			host = InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			host = "localhost";
		}
		return host.replaceAll("[^a-zA-Z0-9._-]", "_") + "_" + ProcessHandle.current().pid() + "_"
				+ Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).getEpochSecond();
	}

	/**
	 * Builds a {@link Config}.
	 */
	public static final class Builder {

		private @Nullable String name;

		private OutboxTable outboxTable = OutboxTable.of(DEFAULT_OUTBOX_TABLE);

		private @Nullable String leaderGroupId;

		private @Nullable String leaderTopic;

		private Limits limits = Limits.defaults();

		private RetryPolicy retry = RetryPolicy.defaults();

		private boolean listenForNotifications = true;

		private Builder() {
		}

		public Builder name(@Nullable String name) {
			this.name = name;
			return this;
		}

		public Builder outboxTable(OutboxTable outboxTable) {
			this.outboxTable = outboxTable;
			return this;
		}

		public Builder outboxTable(String outboxTable) {
			this.outboxTable = OutboxTable.of(outboxTable);
			return this;
		}

		public Builder leaderGroupId(String leaderGroupId) {
			this.leaderGroupId = leaderGroupId;
			return this;
		}

		/**
		 * Sets the leader topic; {@code null} means {@code <leaderGroupId>.neli}.
		 * @param leaderTopic the topic or {@code null}
		 * @return this builder
		 */
		public Builder leaderTopic(@Nullable String leaderTopic) {
			this.leaderTopic = leaderTopic;
			return this;
		}

		public Builder limits(Limits limits) {
			this.limits = limits;
			return this;
		}

		public Builder retry(RetryPolicy retry) {
			this.retry = retry;
			return this;
		}

		public Builder listenForNotifications(boolean listenForNotifications) {
			this.listenForNotifications = listenForNotifications;
			return this;
		}

		public Config build() {
			String group = this.leaderGroupId;
			String topic = (this.leaderTopic != null) ? this.leaderTopic
					: (group != null) ? group + LEADER_TOPIC_SUFFIX : null;
			String instance = (this.name != null) ? this.name : defaultName();
			return new Config(instance, this.outboxTable, group, topic, this.limits, this.retry,
					this.listenForNotifications);
		}

	}

}
