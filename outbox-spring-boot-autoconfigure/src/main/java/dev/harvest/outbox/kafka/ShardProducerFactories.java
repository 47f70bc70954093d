package dev.harvest.outbox.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.util.Assert;

/**
 * Derives one producer factory per sender shard from the application's
 * {@link ProducerFactory}, so that its connection settings, SSL bundle, customizers, listeners
 * and post-processors apply, while the shard gets what the outbox needs: string keys, byte
 * values, idempotence with {@code acks=all} and a client id of its own.
 */
public final class ShardProducerFactories {

	/** Seconds a shard's producer may take to close; shards drain before they close. */
	static final int CLOSE_TIMEOUT_SECONDS = 1;

	private static final Log logger = LogFactory.getLog(ShardProducerFactories.class);

	private final ProducerFactory<?, ?> source;

	private final String instanceName;

	private final @Nullable Duration maxBlock;

	/**
	 * Creates shard factories derived from {@code source}, keeping its {@code max.block.ms}.
	 * @param source the application's producer factory
	 * @param instanceName the harvester instance name, part of each shard's client id
	 */
	public ShardProducerFactories(ProducerFactory<?, ?> source, String instanceName) {
		this(source, instanceName, null);
	}

	/**
	 * Creates shard factories derived from {@code source}.
	 * @param source the application's producer factory
	 * @param instanceName the harvester instance name, part of each shard's client id
	 * @param maxBlock the longest a send may block (waiting for metadata, for example) unless
	 * {@code source} sets {@code max.block.ms} itself, or {@code null} for the client default
	 */
	public ShardProducerFactories(ProducerFactory<?, ?> source, String instanceName, @Nullable Duration maxBlock) {
		Assert.notNull(source, "'source' must not be null");
		Assert.hasText(instanceName, "'instanceName' must not be empty");
		Assert.isTrue(maxBlock == null || !maxBlock.isNegative(), "'maxBlock' must not be negative");
		this.source = source;
		this.instanceName = instanceName;
		this.maxBlock = maxBlock;
	}

	/**
	 * Returns the client id of a shard's producers; the factory appends a counter per producer
	 * it creates, so a rebuilt producer is told apart from its predecessor.
	 * @param shard the shard index
	 * @return the client id prefix, {@code harvest-<name>-<shard>}
	 */
	public String clientId(int shard) {
		return "harvest-" + this.instanceName + "-" + shard;
	}

	/**
	 * Creates a new producer factory for one shard. The caller owns it and resets it to close
	 * its producer.
	 * @param shard the shard index
	 * @return a factory of idempotent {@code String}/{@code byte[]} producers
	 */
	public DefaultKafkaProducerFactory<String, byte[]> forShard(int shard) {
		Map<String, Object> overrides = overrides(clientId(shard));
		// A send blocks while the producer has no metadata for the topic, as after it lost every
		// broker and bootstrapped again; for the client's default of a minute, a leader that has
		// lost its lease could not abort what its producer holds, which would then be sent once
		// Kafka is reachable again, after its successor's records.
		if (this.maxBlock != null
				&& !this.source.getConfigurationProperties().containsKey(ProducerConfig.MAX_BLOCK_MS_CONFIG)) {
			overrides.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, this.maxBlock.toMillis());
		}
		DefaultKafkaProducerFactory<String, byte[]> factory = copy(overrides);
		if (factory == null) {
			factory = rebuild(overrides);
		}
		// The application may have given its factory serializer instances; those would win
		// over the serializer classes in the overrides, so set the suppliers explicitly.
		factory.setKeySerializerSupplier(StringSerializer::new);
		factory.setValueSerializerSupplier(ByteArraySerializer::new);
		// A thread-bound producer is not closed by reset(), and the shard needs one shared
		// producer whose callbacks it can rely on.
		factory.setProducerPerThread(false);
		factory.setPhysicalCloseTimeout(CLOSE_TIMEOUT_SECONDS);
		return factory;
	}

	@SuppressWarnings("unchecked")
	private @Nullable DefaultKafkaProducerFactory<String, byte[]> copy(Map<String, Object> overrides) {
		try {
			ProducerFactory<?, ?> copy = this.source.copyWithConfigurationOverride(overrides);
			if (copy instanceof DefaultKafkaProducerFactory<?, ?> defaultFactory) {
				// The serializers are replaced right after, which makes this cast safe.
				return (DefaultKafkaProducerFactory<String, byte[]>) defaultFactory;
			}
			logger.debug("Producer factory copy is a " + copy.getClass().getName()
					+ ", not a DefaultKafkaProducerFactory; building one from its configuration");
		}
		catch (UnsupportedOperationException ex) {
			logger.debug("Producer factory " + this.source.getClass().getName()
					+ " cannot be copied; building one from its configuration");
		}
		return null;
	}

	private DefaultKafkaProducerFactory<String, byte[]> rebuild(Map<String, Object> overrides) {
		Map<String, Object> configs = new HashMap<>(this.source.getConfigurationProperties());
		Assert.state(configs.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
				() -> "Cannot derive producers for harvest shards from " + this.source.getClass().getName()
						+ ": it can neither be copied nor exposes its configuration (no "
						+ ProducerConfig.BOOTSTRAP_SERVERS_CONFIG + ")");
		configs.putAll(overrides);
		configs.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
		return new DefaultKafkaProducerFactory<>(configs, new StringSerializer(), new ByteArraySerializer());
	}

	static Map<String, Object> overrides(String clientId) {
		Map<String, Object> overrides = new LinkedHashMap<>();
		overrides.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		overrides.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		overrides.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
		overrides.put(ProducerConfig.ACKS_CONFIG, "all");
		overrides.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
		return overrides;
	}

}
