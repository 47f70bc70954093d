package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jspecify.annotations.Nullable;

/**
 * Checks that the leader topic exists and creates it when missing: one partition, the broker's
 * default replication, and deletion after a short retention, since the leader writes about ten
 * heartbeats a second for as long as it runs.
 */
public final class LeaderTopic {

	/** How long heartbeats are kept. */
	public static final Duration RETENTION = Duration.ofHours(1);

	/** How often a segment is rolled, so that retention can delete old heartbeats. */
	public static final Duration SEGMENT_ROLL = Duration.ofMinutes(10);

	private static final Log logger = LogFactory.getLog(LeaderTopic.class);

	private LeaderTopic() {
	}

	/**
	 * Makes sure the leader topic exists, creating it when missing.
	 * @param adminProperties admin client settings (bootstrap servers, security)
	 * @param topic the leader topic
	 * @param timeout the longest time to spend
	 * @return {@code true} when this call created the topic, {@code false} when it existed
	 * @throws LeaderTopicUnavailableException when the topic is missing and cannot be
	 * created, or the cluster cannot be reached within the timeout
	 */
	public static boolean ensureExists(Map<String, Object> adminProperties, String topic, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		Admin admin;
		try {
			admin = Admin.create(adminProperties(adminProperties, timeout));
		}
		catch (KafkaException ex) {
			throw unavailable(topic, adminProperties, "the admin client could not be created (" + ex.getMessage() + ")",
					ex);
		}
		try {
			TopicDescription description = describe(admin, topic, timeout, deadline, adminProperties);
			if (description != null) {
				if (description.partitions().size() != 1) {
					logger.warn("Leader topic '" + topic + "' has " + description.partitions().size()
							+ " partitions; only partition 0 decides leadership, one partition is enough");
				}
				return false;
			}
			if (!create(admin, topic, deadline, adminProperties)) {
				return false;
			}
			logger.info("Created leader topic '" + topic + "' with 1 partition, " + TopicConfig.RETENTION_MS_CONFIG + "="
					+ RETENTION.toMillis());
			return true;
		}
		finally {
			// The futures are complete or abandoned; nothing is left worth waiting for.
			admin.close(Duration.ZERO);
		}
	}

	/**
	 * Returns the settings a newly created leader topic gets.
	 * @return topic configuration entries
	 */
	static Map<String, String> topicConfigs() {
		Map<String, String> configs = new LinkedHashMap<>();
		configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
		configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(RETENTION.toMillis()));
		configs.put(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(SEGMENT_ROLL.toMillis()));
		return configs;
	}

	private static @Nullable TopicDescription describe(Admin admin, String topic, Duration timeout, long deadline,
			Map<String, Object> adminProperties) {
		try {
			return admin.describeTopics(List.of(topic)).allTopicNames().get(remainingMillis(deadline),
					TimeUnit.MILLISECONDS).get(topic);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof UnknownTopicOrPartitionException) {
				return null;
			}
			if (ex.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
				throw unavailable(topic, adminProperties, "the cluster did not answer within " + timeout, ex.getCause());
			}
			throw unavailable(topic, adminProperties, "it could not be described (" + describe(ex.getCause()) + ")",
					ex.getCause());
		}
		catch (TimeoutException ex) {
			throw unavailable(topic, adminProperties, "the cluster did not answer within " + timeout,
					ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw unavailable(topic, adminProperties, "the check was interrupted", ex);
		}
	}

	private static boolean create(Admin admin, String topic, long deadline, Map<String, Object> adminProperties) {
		NewTopic newTopic = new NewTopic(topic, Optional.of(1), Optional.empty()).configs(topicConfigs());
		try {
			admin.createTopics(List.of(newTopic)).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
			return true;
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof TopicExistsException) {
				// Another instance created it first.
				return false;
			}
			throw unavailable(topic, adminProperties,
					"it does not exist and could not be created (" + describe(ex.getCause()) + ")", ex.getCause());
		}
		catch (TimeoutException ex) {
			throw unavailable(topic, adminProperties,
					"it does not exist and the cluster did not confirm its creation in time", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw unavailable(topic, adminProperties, "its creation was interrupted", ex);
		}
	}

	private static Map<String, Object> adminProperties(Map<String, Object> given, Duration timeout) {
		Map<String, Object> properties = new HashMap<>(given);
		int timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
		// Internal retries of the admin client end with our deadline rather than after its
		// default of a minute.
		properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis);
		properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis);
		properties.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "harvest-neli-admin");
		return properties;
	}

	private static long remainingMillis(long deadline) {
		return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
	}

	private static String describe(@Nullable Throwable ex) {
		if (ex == null) {
			return "unknown error";
		}
		return ex.getClass().getSimpleName() + ": " + ex.getMessage();
	}

	private static LeaderTopicUnavailableException unavailable(String topic, Map<String, Object> adminProperties,
			String reason, @Nullable Throwable cause) {
		Object servers = adminProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
		String bootstrap = (servers != null) ? String.join(",", serverList(servers)) : "<bootstrap-servers>";
		StringBuilder command = new StringBuilder("kafka-topics.sh --bootstrap-server ").append(bootstrap)
			.append(" --create --topic ")
			.append(topic)
			.append(" --partitions 1");
		topicConfigs().forEach((key, value) -> command.append(" --config ").append(key).append('=').append(value));
		return new LeaderTopicUnavailableException(topic, "Leader topic '" + topic + "' is unavailable: " + reason
				+ ". Create it by hand with a single partition, for example: " + command, cause);
	}

	private static List<String> serverList(Object servers) {
		if (servers instanceof List<?> list) {
			return list.stream().map(String::valueOf).toList();
		}
		return List.of(String.valueOf(servers));
	}

}
