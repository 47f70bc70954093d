package dev.harvest.outbox.autoconfigure;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Connection settings for Harvest's own consumer and admin clients: the application's consumer
 * settings when it has a consumer factory, else its producer settings, which carry the same
 * bootstrap servers and security.
 */
final class KafkaClientProperties {

	private final Map<String, Object> properties;

	private final Map<String, String> consumerOverrides;

	KafkaClientProperties(@Nullable ConsumerFactory<?, ?> consumerFactory, ProducerFactory<?, ?> producerFactory,
			HarvestProperties harvestProperties) {
		this.properties = new HashMap<>((consumerFactory != null) ? consumerFactory.getConfigurationProperties()
				: producerFactory.getConfigurationProperties());
		this.consumerOverrides = harvestProperties.getKafka().getConsumer();
	}

	/**
	 * Returns the settings of Harvest's consumers: the consumer settings among the
	 * application's, with {@code harvest.kafka.consumer.*} on top.
	 * @return the consumer settings
	 */
	Map<String, Object> consumer() {
		Map<String, Object> consumer = only(ConsumerConfig.configNames());
		consumer.putAll(this.consumerOverrides);
		return consumer;
	}

	/**
	 * Returns the settings of Harvest's admin clients.
	 * @return the admin settings
	 */
	Map<String, Object> admin() {
		return only(AdminClientConfig.configNames());
	}

	private Map<String, Object> only(Set<String> names) {
		Map<String, Object> filtered = new HashMap<>();
		this.properties.forEach((name, value) -> {
			// Security and SASL settings are not all listed in configNames(), keep them.
			if (names.contains(name) || name.startsWith("ssl.") || name.startsWith("sasl.")
					|| name.startsWith("security.")) {
				filtered.put(name, value);
			}
		});
		return filtered;
	}

}
