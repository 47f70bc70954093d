package dev.harvest.outbox.membership;

import java.time.Duration;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.jspecify.annotations.Nullable;

/**
 * Describes the leader group; an admin client outside tests.
 */
interface GroupDescriber {

	/**
	 * Describes the group, waiting at most {@code timeout}.
	 * @param timeout the longest wait
	 * @return the description, or {@code null} when the group does not exist
	 * @throws Exception when the group cannot be described in time
	 */
	@Nullable ConsumerGroupDescription describe(Duration timeout) throws Exception;

	/**
	 * Releases the describer's resources, waiting at most {@code timeout}.
	 * @param timeout the longest wait
	 */
	default void close(Duration timeout) {
	}

}
