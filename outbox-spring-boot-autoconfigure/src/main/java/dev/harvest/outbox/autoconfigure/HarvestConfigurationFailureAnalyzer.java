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
			"harvest.outbox-table", "leaderGroupId", "harvest.leader.group-id", "leaderTopic", "harvest.leader.topic");

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
	 * Maps a field name of {@code Config} or {@code Limits}, or a group and field name such as
	 * {@code retry.maxBackoff} or {@code backlog.window}, to its property.
	 * @param name the field name, e.g. {@code sendConcurrency}
	 * @return the property, e.g. {@code harvest.limits.send-concurrency}
	 */
	static String propertyName(String name) {
		String property = PROPERTIES.get(name);
		if (property != null) {
			return property;
		}
		int dot = name.indexOf('.');
		if (dot > 0) {
			return "harvest." + name.substring(0, dot) + "." + kebab(name.substring(dot + 1));
		}
		return "harvest.limits." + kebab(name);
	}

	private static String kebab(String name) {
		return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

}
