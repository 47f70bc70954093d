package dev.harvest.outbox.stash;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.stash.OutboxColumns.Column;

/**
 * A record checked against Kafka's rules and the outbox table's columns, held as the
 * parameters of its insert.
 *
 * @param topic the topic
 * @param key the key
 * @param value the value as {@code byte[]} for a bytea column or {@code String} for a text
 * column, or {@code null} for a tombstone
 * @param headerKeys the header keys in order
 * @param headerValues the header values in order
 */
record PendingRow(String topic, String key, @Nullable Object value, String[] headerKeys, String[] headerValues) {

	private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

	/**
	 * Checks a record and turns it into insert parameters.
	 * @param record the record
	 * @param extraHeaders headers to append unless the record has one with the same key
	 * @param columns the outbox table's columns
	 * @param position how to name the record in messages, e.g. {@code Outbox record at index
	 * 3 of 10}
	 * @return the row
	 * @throws IllegalArgumentException naming the field, the rule and the record's position
	 */
	static PendingRow of(OutboxRecord record, List<OutboxHeader> extraHeaders, OutboxColumns columns,
			String position) {
		checkTopic(record.topic(), position);
		checkText(record.topic(), "topic", columns.topic(), columns, position);
		checkText(record.key(), "key", columns.key(), columns, position);
		List<OutboxHeader> headers = withExtraHeaders(record.headers(), extraHeaders);
		String[] keys = new String[headers.size()];
		String[] values = new String[headers.size()];
		for (int i = 0; i < headers.size(); i++) {
			OutboxHeader header = headers.get(i);
			checkText(header.key(), "headers[" + i + "].key", columns.headerKeys(), columns, position);
			checkText(header.value(), "headers[" + i + "].value", columns.headerValues(), columns, position);
			keys[i] = header.key();
			values[i] = header.value();
		}
		return new PendingRow(record.topic(), record.key(), value(record.valueBytes(), columns, position), keys,
				values);
	}

	/**
	 * Checks that a topic name is legal for Kafka.
	 * @param topic the topic
	 * @param position how to name the record in messages
	 * @throws IllegalArgumentException when it is not
	 */
	static void checkTopic(String topic, String position) {
		if (!LEGAL_TOPIC.matcher(topic).matches() || ".".equals(topic) || "..".equals(topic)) {
			throw new IllegalArgumentException(position + ": 'topic' \"" + topic
					+ "\" is not a legal Kafka topic name; use 1 to 249 characters of ASCII letters, digits, "
					+ "'.', '_' and '-', other than \".\" and \"..\"");
		}
	}

	private static List<OutboxHeader> withExtraHeaders(List<OutboxHeader> headers, List<OutboxHeader> extraHeaders) {
		if (extraHeaders.isEmpty()) {
			return headers;
		}
		List<OutboxHeader> combined = new ArrayList<>(headers);
		for (OutboxHeader extra : extraHeaders) {
			if (headers.stream().noneMatch((header) -> header.key().equals(extra.key()))) {
				combined.add(extra);
			}
		}
		return combined;
	}

	private static @Nullable Object value(byte @Nullable [] value, OutboxColumns columns, String position) {
		if (value == null || columns.value().binary()) {
			return value;
		}
		String text = decode(value, columns, position);
		checkText(text, "value", columns.value(), columns, position);
		return text;
	}

	private static String decode(byte[] value, OutboxColumns columns, String position) {
		ByteBuffer bytes = ByteBuffer.wrap(value);
		try {
			return decodeUtf8(bytes);
		}
		catch (CharacterCodingException ex) {
			throw new IllegalArgumentException(position + ": 'value' is not valid UTF-8 (at byte " + bytes.position()
					+ "), but column kafka_value of outbox table " + columns.table() + " is "
					+ columns.value().type()
					+ " and stores text; give text values, or store binary payloads in a bytea column", ex);
		}
	}

	/**
	 * Decodes UTF-8 text, refusing malformed input rather than replacing it.
	 * @param bytes the bytes; on failure positioned at the malformed input
	 * @return the text
	 * @throws CharacterCodingException when the bytes are not valid UTF-8
	 */
	static String decodeUtf8(ByteBuffer bytes) throws CharacterCodingException {
		return StandardCharsets.UTF_8.newDecoder()
			.onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT)
			.decode(bytes)
			.toString();
	}

	private static void checkText(String text, String field, Column column, OutboxColumns columns,
			String position) {
		if (text.indexOf('\0') >= 0) {
			throw new IllegalArgumentException(position + ": '" + field
					+ "' contains a NUL character (U+0000), which PostgreSQL cannot store in text"
					+ (("value".equals(field)) ? "; store such values in a bytea column" : ""));
		}
		if (column.limited()) {
			int length = text.codePointCount(0, text.length());
			if (length > column.maxLength()) {
				throw new IllegalArgumentException(position + ": '" + field + "' is " + length
						+ " characters long, but column " + column.name() + " of outbox table " + columns.table()
						+ " (" + column.type() + ") holds at most " + column.maxLength()
						+ "; shorten it or widen the column");
			}
		}
	}

}
