package dev.harvest.outbox.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.core.ProducerPostProcessor;
import org.springframework.kafka.mock.MockProducerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ShardProducerFactories}.
 */
class ShardProducerFactoriesTests {

	private static final Map<String, Object> APPLICATION_CONFIG = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
			"localhost:9", ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
			ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class, ProducerConfig.LINGER_MS_CONFIG, 7,
			ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);

	@Test
	void shardFactoryKeepsTheApplicationsSettingsAndForcesWhatTheOutboxNeeds() {
		Serializer<Object> applicationValueSerializer = (topic, data) -> new byte[0];
		DefaultKafkaProducerFactory<String, Object> source = new DefaultKafkaProducerFactory<>(APPLICATION_CONFIG,
				new StringSerializer(), applicationValueSerializer);
		ProducerPostProcessor<String, Object> postProcessor = (producer) -> producer;
		ProducerFactory.Listener<String, Object> listener = new ProducerFactory.Listener<>() {
		};
		source.addPostProcessor(postProcessor);
		source.addListener(listener);
		source.setProducerPerThread(true);

		DefaultKafkaProducerFactory<String, byte[]> shard = new ShardProducerFactories(source, "node-1").forShard(2);

		Map<String, Object> configs = shard.getConfigurationProperties();
		assertThat(configs).containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9")
			.containsEntry(ProducerConfig.LINGER_MS_CONFIG, 7)
			.containsEntry(ProducerConfig.ACKS_CONFIG, "all")
			.containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
			.containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "harvest-node-1-2")
			.containsEntry(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class)
			.containsEntry(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
		assertThat(shard.getKeySerializerSupplier().get()).isInstanceOf(StringSerializer.class);
		assertThat(shard.getValueSerializerSupplier().get()).isInstanceOf(ByteArraySerializer.class);
		assertThat(shard.getPostProcessors()).hasSize(1);
		assertThat(shard.getListeners()).hasSize(1);
		assertThat(shard.isProducerPerThread()).isFalse();
		assertThat(shard.getPhysicalCloseTimeout()).isEqualTo(Duration.ofSeconds(1));
		assertThat(source.getConfigurationProperties()).containsEntry(ProducerConfig.ACKS_CONFIG, "1");
	}

	@Test
	void transactionalApplicationFactoryStillGivesPlainIdempotentProducers() {
		Map<String, Object> configs = new HashMap<>(APPLICATION_CONFIG);
		configs.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500);
		DefaultKafkaProducerFactory<String, String> source = new DefaultKafkaProducerFactory<>(configs);
		source.setTransactionIdPrefix("tx-");
		DefaultKafkaProducerFactory<String, byte[]> shard = new ShardProducerFactories(source, "node").forShard(0);
		try {
			// A transactional producer would block in initTransactions() without a broker.
			Producer<String, byte[]> producer = shard.createNonTransactionalProducer();
			assertThat(producer).isNotNull();
		}
		finally {
			shard.reset();
		}
	}

	@Test
	void factoryThatCannotBeCopiedIsRebuiltFromItsConfiguration() {
		ProducerFactory<String, String> source = new ProducerFactory<>() {

			@Override
			public Producer<String, String> createProducer() {
				throw new UnsupportedOperationException();
			}

			@Override
			public Map<String, Object> getConfigurationProperties() {
				return APPLICATION_CONFIG;
			}

		};
		DefaultKafkaProducerFactory<String, byte[]> shard = new ShardProducerFactories(source, "node").forShard(1);
		assertThat(shard.getConfigurationProperties())
			.containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9")
			.containsEntry(ProducerConfig.LINGER_MS_CONFIG, 7)
			.containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
			.containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "harvest-node-1");
		assertThat(shard.getValueSerializerSupplier().get()).isInstanceOf(ByteArraySerializer.class);
	}

	@Test
	void sendsBlockForTheGivenTimeUnlessTheApplicationSetsItsOwn() {
		DefaultKafkaProducerFactory<String, byte[]> bounded = new ShardProducerFactories(
				new DefaultKafkaProducerFactory<>(APPLICATION_CONFIG), "node", Duration.ofMillis(2500)).forShard(0);
		assertThat(bounded.getConfigurationProperties()).containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2500L);
		Map<String, Object> own = new java.util.HashMap<>(APPLICATION_CONFIG);
		own.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 9000);
		DefaultKafkaProducerFactory<String, byte[]> kept = new ShardProducerFactories(
				new DefaultKafkaProducerFactory<>(own), "node", Duration.ofMillis(2500)).forShard(0);
		assertThat(kept.getConfigurationProperties()).containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 9000);
		DefaultKafkaProducerFactory<String, byte[]> unbounded = new ShardProducerFactories(
				new DefaultKafkaProducerFactory<>(APPLICATION_CONFIG), "node").forShard(0);
		assertThat(unbounded.getConfigurationProperties()).doesNotContainKey(ProducerConfig.MAX_BLOCK_MS_CONFIG);
	}

	@Test
	void factoryWithoutCopyOrConfigurationIsRejectedClearly() {
		MockProducerFactory<String, String> source = new MockProducerFactory<>(() -> null);
		ShardProducerFactories factories = new ShardProducerFactories(source, "node");
		assertThatIllegalStateException().isThrownBy(() -> factories.forShard(0))
			.withMessageContaining(MockProducerFactory.class.getName())
			.withMessageContaining(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
	}

	@Test
	void clientIdsNameTheInstanceAndShard() {
		ShardProducerFactories factories = new ShardProducerFactories(
				new DefaultKafkaProducerFactory<>(APPLICATION_CONFIG), "node-7");
		assertThat(List.of(factories.clientId(0), factories.clientId(3))).containsExactly("harvest-node-7-0",
				"harvest-node-7-3");
	}

}
