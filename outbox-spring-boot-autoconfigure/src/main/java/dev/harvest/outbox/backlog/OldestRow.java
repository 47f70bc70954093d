package dev.harvest.outbox.backlog;

import java.time.Duration;
import java.time.Instant;

/**
 * The pending row with the lowest id of a scope: the next one due, and the one to name when
 * the backlog is stuck.
 *
 * @param id the row id
 * @param topic the row's Kafka topic
 * @param key the row's Kafka key
 * @param createTime the row's creation time
 */
public record OldestRow(long id, String topic, String key, Instant createTime) {

	/**
	 * Returns how long the row has been pending at a given time; never negative, so that a
	 * writer's clock running ahead does not produce nonsense.
	 * @param time the time to measure at, normally the sample time
	 * @return the age
	 */
	public Duration ageAt(Instant time) {
		Duration age = Duration.between(this.createTime, time);
		return age.isNegative() ? Duration.ZERO : age;
	}

}
