package dev.harvest.outbox.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.harvest.outbox.backlog.BacklogSettings;
import dev.harvest.outbox.harvest.Config;
import dev.harvest.outbox.harvest.InvalidLimitException;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.PoisonPolicy;
import dev.harvest.outbox.harvest.RetryPolicy;
import dev.harvest.outbox.membership.MembershipSettings;

/**
 * Configuration properties for Harvest, under {@code harvest.*}.
 */
@ConfigurationProperties("harvest")
public class HarvestProperties {

	/**
	 * Whether the harvester runs in this application. The outbox stasher is available either
	 * way.
	 */
	private boolean enabled = true;

	/**
	 * Name of this instance, shown in logs, heartbeats and the membership view. Defaults to
	 * host name, process id and start time.
	 */
	private @Nullable String name;

	/**
	 * Outbox table, optionally schema-qualified ("schema.table").
	 */
	private String outboxTable = "outbox";

	/**
	 * Whether the leader listens for the stasher's notifications to publish new rows at once
	 * instead of at the next poll.
	 */
	private boolean listenForNotifications = true;

	private final Leader leader = new Leader();

	private final Limits limits = new Limits();

	private final Retry retry = new Retry();

	private final Poison poison = new Poison();

	private final Stasher stasher = new Stasher();

	private final Schema schema = new Schema();

	private final Lifecycle lifecycle = new Lifecycle();

	private final Kafka kafka = new Kafka();

	private final Backlog backlog = new Backlog();

	private final Membership membership = new Membership();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getName() {
		return this.name;
	}

	public void setName(@Nullable String name) {
		this.name = name;
	}

	public String getOutboxTable() {
		return this.outboxTable;
	}

	public void setOutboxTable(String outboxTable) {
		this.outboxTable = outboxTable;
	}

	public boolean isListenForNotifications() {
		return this.listenForNotifications;
	}

	public void setListenForNotifications(boolean listenForNotifications) {
		this.listenForNotifications = listenForNotifications;
	}

	public Leader getLeader() {
		return this.leader;
	}

	public Limits getLimits() {
		return this.limits;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Poison getPoison() {
		return this.poison;
	}

	public Stasher getStasher() {
		return this.stasher;
	}

	public Schema getSchema() {
		return this.schema;
	}

	public Lifecycle getLifecycle() {
		return this.lifecycle;
	}

	public Kafka getKafka() {
		return this.kafka;
	}

	public Backlog getBacklog() {
		return this.backlog;
	}

	public Membership getMembership() {
		return this.membership;
	}

	/**
	 * Builds the harvester configuration from these properties.
	 * @param defaultGroupId the leader group to use when none is set
	 * @return the configuration
	 */
	public Config toConfig(String defaultGroupId) {
		String groupId = (this.leader.groupId != null) ? this.leader.groupId : defaultGroupId;
		return Config.builder()
			.name(this.name)
			.outboxTable(this.outboxTable)
			.leaderGroupId(groupId)
			.leaderTopic(this.leader.topic)
			.limits(this.limits.toLimits())
			.retry(toRetryPolicy())
			.listenForNotifications(this.listenForNotifications)
			.build();
	}

	/**
	 * Builds the retry policy from the {@code retry} and {@code poison} properties.
	 * @return the retry policy
	 */
	public RetryPolicy toRetryPolicy() {
		return new RetryPolicy(this.retry.initialBackoff, this.retry.maxBackoff, this.retry.maxAttemptsRetriable,
				this.poison.maxAttempts, this.poison.policy);
	}

	/**
	 * Leader election settings.
	 */
	public static class Leader {

		/**
		 * Kafka consumer group through which instances elect the leader. Defaults to
		 * "spring.application.name", or "harvest" when that is not set. Never reuse the
		 * application's own consumer group.
		 */
		private @Nullable String groupId;

		/**
		 * Single-partition topic whose partition 0 the leader owns. Defaults to the group id
		 * followed by ".neli".
		 */
		private @Nullable String topic;

		/**
		 * Whether to create the leader topic at start-up when it is missing (one partition,
		 * short retention).
		 */
		private boolean createTopic = true;

		public @Nullable String getGroupId() {
			return this.groupId;
		}

		public void setGroupId(@Nullable String groupId) {
			this.groupId = groupId;
		}

		public @Nullable String getTopic() {
			return this.topic;
		}

		public void setTopic(@Nullable String topic) {
			this.topic = topic;
		}

		public boolean isCreateTopic() {
			return this.createTopic;
		}

		public void setCreateTopic(boolean createTopic) {
			this.createTopic = createTopic;
		}

	}

	/**
	 * Timings and bounds of the harvester, with goharvest's names and defaults.
	 */
	public static class Limits {

		/**
		 * Pause after a failed database statement before it is retried.
		 */
		private Duration ioErrorBackoff = Duration.ofMillis(500);

		/**
		 * Longest a single poll of the leader-election consumer may wait.
		 */
		private Duration pollDuration = Duration.ofMillis(1);

		/**
		 * Spacing of leader-election polls and heartbeats.
		 */
		private Duration minPollInterval = Duration.ofMillis(100);

		/**
		 * Longest the leadership thread may go without polling before the leader stops
		 * sending. Defaults to half the heartbeat timeout.
		 */
		private @Nullable Duration maxPollInterval;

		/**
		 * A leader that has not read back its own heartbeat for this long fences itself; the
		 * consumer session timeout is three times this.
		 */
		private Duration heartbeatTimeout = Duration.ofSeconds(5);

		/**
		 * How often a waiting drain reports progress. Defaults to the smaller of the max poll
		 * interval and the queue timeout.
		 */
		private @Nullable Duration drainInterval;

		/**
		 * A record that waited this long in flight or behind its key is reported as stalled.
		 */
		private Duration queueTimeout = Duration.ofSeconds(30);

		/**
		 * First pause after a mark that found nothing; pauses double while idle.
		 */
		private Duration markBackoff = Duration.ofMillis(10);

		/**
		 * Longest pause between marks while idle; bounds the delay for rows written without
		 * a notification.
		 */
		private Duration maxMarkBackoff = Duration.ofMillis(500);

		/**
		 * Most records sent to Kafka and not yet acknowledged.
		 */
		private int maxInFlightRecords = 1000;

		/**
		 * Most records marked and held in memory waiting to be sent; marking pauses when full.
		 */
		private int maxQueuedRecords = 10000;

		/**
		 * Number of sender shards, each with its own Kafka producer.
		 */
		private int sendConcurrency = 8;

		/**
		 * Records each sender shard may hold ready to send.
		 */
		private int sendBuffer = 10;

		/**
		 * Most rows one mark statement claims.
		 */
		private int markQueryRecords = 100;

		/**
		 * Least time between two throughput meter events.
		 */
		private Duration minMetricsInterval = Duration.ofSeconds(5);

		/**
		 * Longest a revoke or stop waits for in-flight records before letting go; keep it
		 * below "spring.lifecycle.timeout-per-shutdown-phase".
		 */
		private Duration drainTimeout = Duration.ofSeconds(10);

		/**
		 * Most acknowledged rows deleted by one statement.
		 */
		private int purgeBatchSize = 1000;

		/**
		 * Longest an acknowledged row waits before its batch is deleted.
		 */
		private Duration purgeInterval = Duration.ofMillis(20);

		/**
		 * How often the marker looks again below its cursor for rows that committed late
		 * with lower ids.
		 */
		private Duration headRescanInterval = Duration.ofSeconds(1);

		public Duration getIoErrorBackoff() {
			return this.ioErrorBackoff;
		}

		public void setIoErrorBackoff(Duration ioErrorBackoff) {
			this.ioErrorBackoff = ioErrorBackoff;
		}

		public Duration getPollDuration() {
			return this.pollDuration;
		}

		public void setPollDuration(Duration pollDuration) {
			this.pollDuration = pollDuration;
		}

		public Duration getMinPollInterval() {
			return this.minPollInterval;
		}

		public void setMinPollInterval(Duration minPollInterval) {
			this.minPollInterval = minPollInterval;
		}

		public @Nullable Duration getMaxPollInterval() {
			return this.maxPollInterval;
		}

		public void setMaxPollInterval(@Nullable Duration maxPollInterval) {
			this.maxPollInterval = maxPollInterval;
		}

		public Duration getHeartbeatTimeout() {
			return this.heartbeatTimeout;
		}

		public void setHeartbeatTimeout(Duration heartbeatTimeout) {
			this.heartbeatTimeout = heartbeatTimeout;
		}

		public @Nullable Duration getDrainInterval() {
			return this.drainInterval;
		}

		public void setDrainInterval(@Nullable Duration drainInterval) {
			this.drainInterval = drainInterval;
		}

		public Duration getQueueTimeout() {
			return this.queueTimeout;
		}

		public void setQueueTimeout(Duration queueTimeout) {
			this.queueTimeout = queueTimeout;
		}

		public Duration getMarkBackoff() {
			return this.markBackoff;
		}

		public void setMarkBackoff(Duration markBackoff) {
			this.markBackoff = markBackoff;
		}

		public Duration getMaxMarkBackoff() {
			return this.maxMarkBackoff;
		}

		public void setMaxMarkBackoff(Duration maxMarkBackoff) {
			this.maxMarkBackoff = maxMarkBackoff;
		}

		public int getMaxInFlightRecords() {
			return this.maxInFlightRecords;
		}

		public void setMaxInFlightRecords(int maxInFlightRecords) {
			this.maxInFlightRecords = maxInFlightRecords;
		}

		public int getMaxQueuedRecords() {
			return this.maxQueuedRecords;
		}

		public void setMaxQueuedRecords(int maxQueuedRecords) {
			this.maxQueuedRecords = maxQueuedRecords;
		}

		public int getSendConcurrency() {
			return this.sendConcurrency;
		}

		public void setSendConcurrency(int sendConcurrency) {
			this.sendConcurrency = sendConcurrency;
		}

		public int getSendBuffer() {
			return this.sendBuffer;
		}

		public void setSendBuffer(int sendBuffer) {
			this.sendBuffer = sendBuffer;
		}

		public int getMarkQueryRecords() {
			return this.markQueryRecords;
		}

		public void setMarkQueryRecords(int markQueryRecords) {
			this.markQueryRecords = markQueryRecords;
		}

		public Duration getMinMetricsInterval() {
			return this.minMetricsInterval;
		}

		public void setMinMetricsInterval(Duration minMetricsInterval) {
			this.minMetricsInterval = minMetricsInterval;
		}

		public Duration getDrainTimeout() {
			return this.drainTimeout;
		}

		public void setDrainTimeout(Duration drainTimeout) {
			this.drainTimeout = drainTimeout;
		}

		public int getPurgeBatchSize() {
			return this.purgeBatchSize;
		}

		public void setPurgeBatchSize(int purgeBatchSize) {
			this.purgeBatchSize = purgeBatchSize;
		}

		public Duration getPurgeInterval() {
			return this.purgeInterval;
		}

		public void setPurgeInterval(Duration purgeInterval) {
			this.purgeInterval = purgeInterval;
		}

		public Duration getHeadRescanInterval() {
			return this.headRescanInterval;
		}

		public void setHeadRescanInterval(Duration headRescanInterval) {
			this.headRescanInterval = headRescanInterval;
		}

		/**
		 * Builds the engine's limits from these properties.
		 * @return the limits
		 */
		public dev.harvest.outbox.harvest.Limits toLimits() {
			return dev.harvest.outbox.harvest.Limits.builder()
				.ioErrorBackoff(this.ioErrorBackoff)
				.pollDuration(this.pollDuration)
				.minPollInterval(this.minPollInterval)
				.maxPollInterval(this.maxPollInterval)
				.heartbeatTimeout(this.heartbeatTimeout)
				.drainInterval(this.drainInterval)
				.queueTimeout(this.queueTimeout)
				.markBackoff(this.markBackoff)
				.maxMarkBackoff(this.maxMarkBackoff)
				.maxInFlightRecords(this.maxInFlightRecords)
				.maxQueuedRecords(this.maxQueuedRecords)
				.sendConcurrency(this.sendConcurrency)
				.sendBuffer(this.sendBuffer)
				.markQueryRecords(this.markQueryRecords)
				.minMetricsInterval(this.minMetricsInterval)
				.drainTimeout(this.drainTimeout)
				.purgeBatchSize(this.purgeBatchSize)
				.purgeInterval(this.purgeInterval)
				.headRescanInterval(this.headRescanInterval)
				.build();
		}

	}

	/**
	 * How failed sends are retried.
	 */
	public static class Retry {

		/**
		 * Pause before the first retry of a failed record; the first pause lies between this
		 * and twice this, and pauses double up to the max backoff.
		 */
		private Duration initialBackoff = Duration.ofSeconds(1);

		/**
		 * Longest pause between retries of a failed record.
		 */
		private Duration maxBackoff = Duration.ofSeconds(60);

		/**
		 * Attempts for retriable errors (timeouts, leader changes) before a record counts as
		 * poison; 0 means unlimited.
		 */
		private int maxAttemptsRetriable = 0;

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public int getMaxAttemptsRetriable() {
			return this.maxAttemptsRetriable;
		}

		public void setMaxAttemptsRetriable(int maxAttemptsRetriable) {
			this.maxAttemptsRetriable = maxAttemptsRetriable;
		}

	}

	/**
	 * What happens to records that cannot be published.
	 */
	public static class Poison {

		/**
		 * Attempts for non-retriable errors (record too large, invalid or forbidden topic,
		 * malformed row) before the poison policy applies.
		 */
		private int maxAttempts = 3;

		/**
		 * What happens to a poison record and its key.
		 */
		private PoisonPolicy policy = PoisonPolicy.HOLD_KEY;

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public PoisonPolicy getPolicy() {
			return this.policy;
		}

		public void setPolicy(PoisonPolicy policy) {
			this.policy = policy;
		}

	}

	/**
	 * Settings of the outbox stasher, which writes records in the caller's transaction.
	 */
	public static class Stasher {

		/**
		 * Whether stashing outside a transaction is an error. Turn off only if outbox rows
		 * need not be atomic with the business change.
		 */
		private boolean requireTransaction = true;

		/**
		 * Whether each stashing transaction notifies the leader, which then publishes at once
		 * instead of at its next poll. Off by default: the notification serialises committing
		 * transactions and costs concurrent writers a third or more of their throughput.
		 */
		private boolean notify = false;

		public boolean isRequireTransaction() {
			return this.requireTransaction;
		}

		public void setRequireTransaction(boolean requireTransaction) {
			this.requireTransaction = requireTransaction;
		}

		public boolean isNotify() {
			return this.notify;
		}

		public void setNotify(boolean notify) {
			this.notify = notify;
		}

	}

	/**
	 * Outbox schema management.
	 */
	public static class Schema {

		/**
		 * Whether to create the outbox, leader and quarantine tables at start-up when they do
		 * not exist.
		 */
		private boolean initialize = false;

		public boolean isInitialize() {
			return this.initialize;
		}

		public void setInitialize(boolean initialize) {
			this.initialize = initialize;
		}

	}

	/**
	 * Lifecycle of the harvester bean.
	 */
	public static class Lifecycle {

		/**
		 * Phase of the harvester in the application context's lifecycle. The default stops it
		 * after the web server and before task executors and Kafka producer factories.
		 */
		private int phase = Integer.MAX_VALUE - 4096;

		public int getPhase() {
			return this.phase;
		}

		public void setPhase(int phase) {
			this.phase = phase;
		}

	}

	/**
	 * Kafka client overrides that apply to Harvest's clients only, on top of "spring.kafka.*".
	 */
	public static class Kafka {

		/**
		 * Additional producer properties for Harvest's sender producers.
		 */
		private final Map<String, String> producer = new LinkedHashMap<>();

		/**
		 * Additional consumer properties for Harvest's leader-election consumer.
		 */
		private final Map<String, String> consumer = new LinkedHashMap<>();

		public Map<String, String> getProducer() {
			return this.producer;
		}

		public Map<String, String> getConsumer() {
			return this.consumer;
		}

	}

	/**
	 * Backlog evaluation: whether the outbox is draining and, if not, why.
	 */
	public static class Backlog {

		/**
		 * Whether every instance samples the outbox and judges its backlog.
		 */
		private boolean enabled = true;

		/**
		 * Time between two samples of the outbox.
		 */
		private Duration sampleInterval = Duration.ofSeconds(10);

		/**
		 * Samples kept per scope (the whole outbox and each topic); with the sample interval it
		 * sets the span the rules look back over.
		 */
		private int window = 12;

		/**
		 * Most rows a count or the per-topic scan reads; a larger backlog is reported as the
		 * cap.
		 */
		private int countCap = 100_000;

		/**
		 * Most topics judged one by one, largest backlogs first; 0 turns per-topic sampling
		 * off.
		 */
		private int topTopics = 50;

		/**
		 * Share of the window (0 to 1) that must be filled before a backlog is judged, so that
		 * a freshly started instance raises no false alarm.
		 */
		private double minimumComplete = 0.5;

		/**
		 * A backlog of at most this many rows is always OK.
		 */
		private long allowedBacklog = 0;

		/**
		 * An oldest pending row at least this old makes the status at least WARN. Off unless
		 * set.
		 */
		private @Nullable Duration ageWarn;

		/**
		 * An oldest pending row at least this old makes the status at least STALL. Off unless
		 * set.
		 */
		private @Nullable Duration ageError;

		/**
		 * While the status is not OK, the status event is repeated this often.
		 */
		private Duration renotifyInterval = Duration.ofMinutes(5);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getSampleInterval() {
			return this.sampleInterval;
		}

		public void setSampleInterval(Duration sampleInterval) {
			this.sampleInterval = sampleInterval;
		}

		public int getWindow() {
			return this.window;
		}

		public void setWindow(int window) {
			this.window = window;
		}

		public int getCountCap() {
			return this.countCap;
		}

		public void setCountCap(int countCap) {
			this.countCap = countCap;
		}

		public int getTopTopics() {
			return this.topTopics;
		}

		public void setTopTopics(int topTopics) {
			this.topTopics = topTopics;
		}

		public double getMinimumComplete() {
			return this.minimumComplete;
		}

		public void setMinimumComplete(double minimumComplete) {
			this.minimumComplete = minimumComplete;
		}

		public long getAllowedBacklog() {
			return this.allowedBacklog;
		}

		public void setAllowedBacklog(long allowedBacklog) {
			this.allowedBacklog = allowedBacklog;
		}

		public @Nullable Duration getAgeWarn() {
			return this.ageWarn;
		}

		public void setAgeWarn(@Nullable Duration ageWarn) {
			this.ageWarn = ageWarn;
		}

		public @Nullable Duration getAgeError() {
			return this.ageError;
		}

		public void setAgeError(@Nullable Duration ageError) {
			this.ageError = ageError;
		}

		public Duration getRenotifyInterval() {
			return this.renotifyInterval;
		}

		public void setRenotifyInterval(Duration renotifyInterval) {
			this.renotifyInterval = renotifyInterval;
		}

		/**
		 * Builds the backlog settings from these properties.
		 * @return the settings
		 * @throws InvalidLimitException naming the {@code backlog.*} property that is invalid
		 */
		public BacklogSettings toSettings() {
			try {
				return new BacklogSettings(this.sampleInterval, this.window, this.countCap, this.topTopics,
						this.minimumComplete, this.allowedBacklog, this.ageWarn, this.ageError,
						this.renotifyInterval);
			}
			catch (InvalidLimitException ex) {
				String name = "topK".equals(ex.getName()) ? "topTopics" : ex.getName();
				throw prefixed("backlog", name, ex);
			}
		}

	}

	/**
	 * The membership view: the leader group's members as Kafka's group coordinator describes
	 * them.
	 */
	public static class Membership {

		/**
		 * Whether every instance describes the leader group's members on a timer, for the
		 * endpoint, the members gauge, membership events and the backlog's leader rule.
		 */
		private boolean enabled = true;

		/**
		 * Time between two descriptions of the leader group.
		 */
		private Duration refreshInterval = Duration.ofSeconds(15);

		/**
		 * Longest a description of the group may take.
		 */
		private Duration timeout = Duration.ofSeconds(5);

		/**
		 * Changes seen within this period after a first one are reported as one event.
		 */
		private Duration coalescePeriod = Duration.ofSeconds(2);

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getRefreshInterval() {
			return this.refreshInterval;
		}

		public void setRefreshInterval(Duration refreshInterval) {
			this.refreshInterval = refreshInterval;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Duration getCoalescePeriod() {
			return this.coalescePeriod;
		}

		public void setCoalescePeriod(Duration coalescePeriod) {
			this.coalescePeriod = coalescePeriod;
		}

		/**
		 * Builds the membership settings of a harvester from these properties.
		 * @param config the harvester's configuration: leader group, topic and instance name
		 * @return the settings
		 * @throws InvalidLimitException naming the {@code membership.*} property that is
		 * invalid
		 */
		public MembershipSettings toSettings(Config config) {
			try {
				return new MembershipSettings(config.leaderGroupId(), config.leaderTopic(), config.name(),
						this.refreshInterval, this.timeout, this.coalescePeriod);
			}
			catch (InvalidLimitException ex) {
				throw prefixed("membership", ex.getName(), ex);
			}
		}

	}

	// The settings name their own fields; the property adds its group.
	private static InvalidLimitException prefixed(String group, String name, InvalidLimitException ex) {
		return new InvalidLimitException(group + "." + name, ex.getValue(), ex.getReason());
	}

}
