package dev.harvest.outbox.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

import dev.harvest.outbox.jdbc.OutboxTableMissingException;
import dev.harvest.outbox.neli.LeaderTopicUnavailableException;

/**
 * Explains why Harvest could not start against the database or the broker: a missing outbox
 * table (with the DDL to create it) or a leader topic that could not be created.
 */
class HarvestInfrastructureFailureAnalyzer implements FailureAnalyzer {

	@Override
	public @Nullable FailureAnalysis analyze(Throwable failure) {
		OutboxTableMissingException missingTable = find(failure, OutboxTableMissingException.class);
		if (missingTable != null) {
			return new FailureAnalysis("Harvest's outbox table '" + missingTable.getTable() + "' is missing or incomplete: "
					+ String.join("; ", missingTable.getProblems()) + ".",
					"Create it with the following DDL (for example in a Flyway or Liquibase migration), or set '"
							+ OutboxTableMissingException.INITIALIZE_PROPERTY
							+ "=true' to let Harvest create it, or point 'harvest.outbox-table' at the right table:"
							+ System.lineSeparator() + System.lineSeparator() + missingTable.getDdl(),
					missingTable);
		}
		LeaderTopicUnavailableException leaderTopic = find(failure, LeaderTopicUnavailableException.class);
		if (leaderTopic != null) {
			return new FailureAnalysis("Harvest's leader topic '" + leaderTopic.getTopic() + "' is not available: "
					+ leaderTopic.getMessage(),
					"Create the topic with exactly one partition (for example: kafka-topics.sh --create --topic "
							+ leaderTopic.getTopic()
							+ " --partitions 1 --config retention.ms=3600000), grant this application the right"
							+ " to create it, or set 'harvest.leader.topic' to an existing single-partition topic."
							+ " Check 'spring.kafka.bootstrap-servers' if the broker was unreachable.",
					leaderTopic);
		}
		return null;
	}

	private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
		Throwable candidate = failure;
		while (candidate != null) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
			candidate = candidate.getCause();
		}
		return null;
	}

}
