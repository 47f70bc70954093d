package dev.harvest.outbox.membership;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.jspecify.annotations.Nullable;

/**
 * Describes the leader group with an admin client of its own, created on first use from the
 * connection settings among the application's Kafka settings.
 */
final class AdminGroupDescriber implements GroupDescriber {

	private static final String DEFAULT_CLIENT_ID_PREFIX = "harvest";

	private final Map<String, Object> properties;

	private final String groupId;

	// Created on the refresh thread, closed on the closing one.
	private volatile @Nullable Admin admin;

	AdminGroupDescriber(Map<String, Object> kafkaProperties, String groupId, String instanceName) {
		this.properties = adminProperties(kafkaProperties, instanceName);
		this.groupId = groupId;
	}

	@Override
	public @Nullable ConsumerGroupDescription describe(Duration timeout)
			throws InterruptedException, ExecutionException, TimeoutException {
		DescribeConsumerGroupsOptions options = new DescribeConsumerGroupsOptions()
			.timeoutMs((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
		try {
			return admin().describeConsumerGroups(List.of(this.groupId), options)
				.describedGroups()
				.get(this.groupId)
				.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof GroupIdNotFoundException) {
				return null;
			}
			throw ex;
		}
	}

	@Override
	public void close(Duration timeout) {
		Admin current = this.admin;
		if (current != null) {
			current.close(timeout);
		}
	}

	private Admin admin() {
		Admin current = this.admin;
		if (current == null) {
			current = Admin.create(this.properties);
			this.admin = current;
		}
		return current;
	}

	/**
	 * Returns the admin settings: the connection settings among the given ones, and a client
	 * id of {@code <client.id or harvest>-members-<instanceName>}.
	 * @param given the application's Kafka settings
	 * @param instanceName this instance's name
	 * @return the admin settings
	 */
	static Map<String, Object> adminProperties(Map<String, Object> given, String instanceName) {
		Map<String, Object> properties = new HashMap<>();
		Set<String> adminNames = AdminClientConfig.configNames();
		given.forEach((key, value) -> {
			if (adminNames.contains(key)) {
				properties.put(key, value);
			}
		});
		Object clientId = given.get(CommonClientConfigs.CLIENT_ID_CONFIG);
		String prefix = (clientId != null && !clientId.toString().isBlank()) ? clientId.toString()
				: DEFAULT_CLIENT_ID_PREFIX;
		properties.put(AdminClientConfig.CLIENT_ID_CONFIG, prefix + "-members-" + instanceName);
		return properties;
	}

}
