package dev.harvest.outbox.neli;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka clients for an election, built from the application's connection settings with the
 * election's own settings forced on top (listed on the {@link KafkaLeaderElection}
 * constructor).
 */
final class KafkaElectionClients implements ElectionClients {

	private static final Log logger = LogFactory.getLog(KafkaElectionClients.class);

	private static final String DEFAULT_CLIENT_ID_PREFIX = "harvest";

	private final NeliConfig config;

	private final Map<String, Object> consumerProperties;

	private final Map<String, Object> producerProperties;

	private final Map<String, Object> adminProperties;

	KafkaElectionClients(NeliConfig config, Map<String, Object> consumerProperties,
			Map<String, Object> producerProperties) {
		this.config = config;
		this.consumerProperties = consumerProperties(config, consumerProperties);
		this.producerProperties = producerProperties(config, producerProperties);
		this.adminProperties = adminProperties(config, consumerProperties);
	}

	@Override
	public void ensureTopic(Duration timeout) {
		LeaderTopic.ensureExists(this.adminProperties, this.config.topic(), timeout);
	}

	@Override
	public Consumer<byte[], byte[]> createConsumer() {
		return new KafkaConsumer<>(this.consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
	}

	@Override
	public HeartbeatSender createHeartbeatSender() {
		return new KafkaHeartbeatSender(this.config.topic(), this.producerProperties);
	}

	/**
	 * Returns the consumer settings: the given ones with the election's forced on top.
	 * @param config the election settings
	 * @param given the application's consumer settings
	 * @return the settings to create the consumer with
	 */
	static Map<String, Object> consumerProperties(NeliConfig config, Map<String, Object> given) {
		Map<String, Object> forced = new HashMap<>();
		forced.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
		// The new consumer protocol takes the session timeout from the broker, and the
		// election needs it to be three heartbeat timeouts; classic with cooperative sticky
		// assignment keeps partition 0 on a healthy leader while members come and go.
		forced.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, GroupProtocol.CLASSIC.name().toLowerCase(Locale.ROOT));
		forced.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
		forced.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		// Nothing is committed: whoever is assigned partition 0 reads only heartbeats written
		// after it took over.
		forced.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
		// A topic created by the broker would have its default partitions and retention.
		forced.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
		forced.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, millis(config.sessionTimeout()));
		// Members learn of a rebalance through their group heartbeats, so this also bounds how
		// fast a follower takes over from a leader that left.
		forced.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, millis(config.heartbeatTimeout().dividedBy(3)));
		forced.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
		forced.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
		forced.put(ConsumerConfig.CLIENT_ID_CONFIG, clientIdPrefix(given) + "-neli-" + config.instanceName());
		// A static member does not leave the group on close, which would hold leadership
		// for a whole session timeout after a clean shutdown.
		Set<String> removed = Set.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);
		return merge("consumer", given, forced, removed);
	}

	/**
	 * Returns the producer settings: the given ones with the election's forced on top.
	 * @param config the election settings
	 * @param given the application's producer settings
	 * @return the settings to create the heartbeat producer with
	 */
	static Map<String, Object> producerProperties(NeliConfig config, Map<String, Object> given) {
		Map<String, Object> forced = new HashMap<>();
		// Leadership is proven by reading the heartbeat back, which already waits for the
		// replicas in sync; acks=all would also fence every leader whenever the topic is
		// under its min.insync.replicas.
		forced.put(ProducerConfig.ACKS_CONFIG, "1");
		forced.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
		forced.put(ProducerConfig.LINGER_MS_CONFIG, 0);
		// A heartbeat that cannot be written within the heartbeat timeout is worthless.
		int heartbeatTimeout = millis(config.heartbeatTimeout());
		forced.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, heartbeatTimeout);
		forced.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, heartbeatTimeout);
		// send() waits for metadata or buffer space on the election thread itself.
		Duration maxBlock = config.heartbeatTimeout().dividedBy(5);
		Duration halfMaxPoll = config.maxPollInterval().dividedBy(2);
		Duration shorter = (maxBlock.compareTo(halfMaxPoll) < 0) ? maxBlock : halfMaxPoll;
		forced.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis(shorter));
		forced.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
		forced.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
		forced.put(ProducerConfig.CLIENT_ID_CONFIG, clientIdPrefix(given) + "-neli-heartbeats-" + config.instanceName());
		return merge("producer", given, forced, Set.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
	}

	/**
	 * Returns admin client settings for the leader topic: the connection settings among the
	 * consumer's.
	 * @param config the election settings
	 * @param consumerProperties the application's consumer settings
	 * @return the admin settings
	 */
	static Map<String, Object> adminProperties(NeliConfig config, Map<String, Object> consumerProperties) {
		Map<String, Object> properties = new HashMap<>();
		Set<String> adminNames = AdminClientConfig.configNames();
		consumerProperties.forEach((key, value) -> {
			if (adminNames.contains(key)) {
				properties.put(key, value);
			}
		});
		properties.put(AdminClientConfig.CLIENT_ID_CONFIG,
				clientIdPrefix(consumerProperties) + "-neli-admin-" + config.instanceName());
		return properties;
	}

	private static Map<String, Object> merge(String client, Map<String, Object> given, Map<String, Object> forced,
			Set<String> removed) {
		Map<String, Object> merged = new HashMap<>(given);
		forced.forEach((key, value) -> {
			Object previous = merged.put(key, value);
			if (previous != null && !String.valueOf(previous).equals(String.valueOf(value))
					&& !CommonClientConfigs.CLIENT_ID_CONFIG.equals(key) && logger.isDebugEnabled()) {
				logger.debug("Leader election " + client + ": '" + key + "' forced to " + value + " (was " + previous + ")");
			}
		});
		for (String key : removed) {
			if (merged.remove(key) != null && logger.isDebugEnabled()) {
				logger.debug("Leader election " + client + ": '" + key + "' removed");
			}
		}
		return merged;
	}

	private static String clientIdPrefix(Map<String, Object> given) {
		Object clientId = given.get(CommonClientConfigs.CLIENT_ID_CONFIG);
		return (clientId != null && !clientId.toString().isBlank()) ? clientId.toString() : DEFAULT_CLIENT_ID_PREFIX;
	}

	private static int millis(Duration duration) {
		return (int) Math.max(1, Math.min(Integer.MAX_VALUE, duration.toMillis()));
	}

}
