package dev.harvest.outbox;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * A Kafka-shaped record to write into the outbox: topic, key, value and headers. A
 * {@code null} value is a tombstone.
 *
 * @param topic the Kafka topic
 * @param key the record key, which also decides the order: records of one key are published
 * in the order they were stashed
 * @param value the value bytes, or {@code null} for a tombstone
 * @param headers the headers in order; keys may repeat
 */
public record OutboxRecord(String topic, String key, byte @Nullable [] value, List<OutboxHeader> headers) {

	public OutboxRecord {
		Assert.notNull(topic, "'topic' must not be null");
		Assert.notNull(key, "'key' must not be null");
		Assert.notNull(headers, "'headers' must not be null");
		value = (value != null) ? value.clone() : null;
		headers = List.copyOf(headers);
	}

	/**
	 * Returns a copy of the value bytes.
	 * @return the value, or {@code null} for a tombstone
	 */
	@Override
	public byte @Nullable [] value() {
		return (this.value != null) ? this.value.clone() : null;
	}

	/**
	 * Returns the value without copying it; callers must not modify the array.
	 * @return the value, or {@code null} for a tombstone
	 */
	public byte @Nullable [] valueBytes() {
		return this.value;
	}

	/**
	 * Returns a copy of this record with one more header after the existing ones.
	 * @param key the header key; it may already be present
	 * @param value the header value
	 * @return the new record
	 */
	public OutboxRecord withHeader(String key, String value) {
		List<OutboxHeader> headers = new ArrayList<>(this.headers);
		headers.add(new OutboxHeader(key, value));
		return new OutboxRecord(this.topic, this.key, this.value, headers);
	}

	/**
	 * Starts a builder for a record with the given topic and key.
	 * @param topic the Kafka topic
	 * @param key the record key
	 * @return a builder
	 */
	public static Builder builder(String topic, String key) {
		return new Builder(topic, key);
	}

	@Override
	public boolean equals(@Nullable Object other) {
		return (this == other) || (other instanceof OutboxRecord that && this.topic.equals(that.topic)
				&& this.key.equals(that.key) && Arrays.equals(this.value, that.value)
				&& this.headers.equals(that.headers));
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.topic, this.key, Arrays.hashCode(this.value), this.headers);
	}

	@Override
	public String toString() {
		return "OutboxRecord[topic=" + this.topic + ", key=" + this.key + ", value="
				+ ((this.value != null) ? this.value.length + " bytes" : "null (tombstone)") + ", headers="
				+ this.headers + "]";
	}

	/**
	 * Builds an {@link OutboxRecord}.
	 */
	public static final class Builder {

		private final String topic;

		private final String key;

		private byte @Nullable [] value;

		private final List<OutboxHeader> headers = new ArrayList<>();

		private Builder(String topic, String key) {
			this.topic = topic;
			this.key = key;
		}

		/**
		 * Sets the value bytes; {@code null} makes the record a tombstone.
		 * @param value the value
		 * @return this builder
		 */
		public Builder value(byte @Nullable [] value) {
			this.value = value;
			return this;
		}

		/**
		 * Sets the value as UTF-8 text; {@code null} makes the record a tombstone.
		 * @param value the value
		 * @return this builder
		 */
		public Builder value(@Nullable String value) {
			this.value = (value != null) ? value.getBytes(StandardCharsets.UTF_8) : null;
			return this;
		}

		/**
		 * Adds a header; a key may be added more than once.
		 * @param key the header key
		 * @param value the header value
		 * @return this builder
		 */
		public Builder header(String key, String value) {
			this.headers.add(new OutboxHeader(key, value));
			return this;
		}

		public OutboxRecord build() {
			return new OutboxRecord(this.topic, this.key, this.value, this.headers);
		}

	}

}
