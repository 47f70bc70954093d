package dev.harvest.outbox.neli;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

/**
 * One heartbeat a leader writes to partition 0 of the leader topic and reads back. The record
 * key is the group id; the value is a line of text, {@code harvest-neli/1 <term> <sequence>
 * <sent-at-epoch-millis> <sent-nanos> <instance-name>}, the name last so that it may hold any
 * character.
 *
 * @param groupId the consumer group of the sender
 * @param instanceName the sender's instance name
 * @param term the random nonce of the sender's current leadership term
 * @param sequence the number of the heartbeat within its term, from 0
 * @param sentAtMillis wall-clock send time in epoch milliseconds, also the record timestamp
 * @param sentNanos {@link System#nanoTime()} at sending; only meaningful in the sending JVM,
 * which is the only one that accepts the heartbeat
 */
record Heartbeat(String groupId, String instanceName, UUID term, long sequence, long sentAtMillis,
		long sentNanos) {

	private static final String VERSION = "harvest-neli/1";

	byte[] key() {
		return this.groupId.getBytes(StandardCharsets.UTF_8);
	}

	byte[] value() {
		return (VERSION + " " + this.term + " " + this.sequence + " " + this.sentAtMillis + " " + this.sentNanos + " "
				+ this.instanceName)
			.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Reads a heartbeat from a record of the leader topic.
	 * @param key the record key
	 * @param value the record value
	 * @return the heartbeat, or {@code null} when the record is not one (foreign traffic)
	 */
	static @Nullable Heartbeat decode(byte @Nullable [] key, byte @Nullable [] value) {
		if (key == null || value == null) {
			return null;
		}
		String[] fields = new String(value, StandardCharsets.UTF_8).split(" ", 6);
		if (fields.length != 6 || !VERSION.equals(fields[0]) || fields[5].isEmpty()) {
			return null;
		}
		try {
			return new Heartbeat(new String(key, StandardCharsets.UTF_8), fields[5], UUID.fromString(fields[1]),
					Long.parseLong(fields[2]), Long.parseLong(fields[3]), Long.parseLong(fields[4]));
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

}
