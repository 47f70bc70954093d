package dev.harvest.outbox.autoconfigure;

import java.util.Locale;
import java.util.Map;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.harvest.outbox.harvest.InvalidLimitException;

/**
 * Explains an invalid Harvest setting at start-up: which {@code harvest.*} property is wrong,
 * why, and how to fix it.
 */
class HarvestConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidLimitException> {

	private static final Map<String, String> PROPERTIES = Map.of("name", "harvest.name", "outboxTable",
			"harvest.outbox-table", "leaderGroupId", "harvest.leader.group-id", "leaderTopic", "harvest.leader.topic",
			"retry.initialBackoff", "harvest.retry.initial-backoff", "retry.maxBackoff", "harvest.retry.max-backoff",
			"retry.maxAttemptsRetriable", "harvest.retry.max-attempts-retriable", "poison.maxAttempts",
			"harvest.poison.max-attempts", "poison.policy", "harvest.poison.policy");

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidLimitException cause) {
		String property = propertyName(cause.getName());
		String description = "Invalid Harvest configuration: '" + property + "' " + cause.getReason() + " (was "
				+ cause.getValue() + ").";
		String action = "Update '" + property + "' in your application configuration so that it "
				+ cause.getReason() + ".";
		return new FailureAnalysis(description, action, cause);
	}

	/**
	 * Maps a field name of {@code Config}, {@code Limits} or {@code RetryPolicy} to its
	 * property.
	 * @param name the field name, e.g. {@code sendConcurrency}
	 * @return the property, e.g. {@code harvest.limits.send-concurrency}
	 */
	static String propertyName(String name) {
		String property = PROPERTIES.get(name);
		return (property != null) ? property : "harvest.limits." + kebab(name);
	}

	private static String kebab(String name) {
		return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

}
