package dev.harvest.outbox.stash;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import dev.harvest.outbox.OutboxHeader;
import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.OutboxStasher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for how {@link JdbcOutboxStasher} turns values into records, which needs no
 * database.
 */
class JdbcOutboxStasherTests {

	private final OutboxStasher stasher = JdbcOutboxStasher.builder(new SimpleDriverDataSource()).build();

	@Test
	void bytesAreTakenAsTheyAre() {
		byte[] value = { 0, (byte) 0xFF, 42 };
		OutboxRecord record = this.stasher.toRecord("orders", "k", value);
		assertThat(record.value()).isEqualTo(value);
		assertThat(record.headers()).isEmpty();
	}

	@Test
	void textIsTakenAsUtf8() {
		OutboxRecord record = this.stasher.toRecord("orders", "k", "crème");
		assertThat(record.value()).isEqualTo("crème".getBytes(StandardCharsets.UTF_8));
		assertThat(record.headers()).isEmpty();
	}

	@Test
	void nullIsATombstone() {
		assertThat(this.stasher.toRecord("orders", "k", null).value()).isNull();
	}

	@Test
	void otherObjectsAreJsonByDefault() {
		OutboxRecord record = this.stasher.toRecord("orders", "k", new Item("pen", 2));
		assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"pen\",\"count\":2}");
		assertThat(record.headers()).containsExactly(new OutboxHeader("__TypeId__", Item.class.getName()));
	}

	@Test
	void headersAddedByTheSerializerAreKept() {
		Serializer<Object> serializer = new Serializer<>() {

			@Override
			public byte[] serialize(String topic, Object data) {
				throw new AssertionError("the variant with headers is called");
			}

			@Override
			public byte[] serialize(String topic, Headers headers, Object data) {
				headers.add("content-type", "text/plain".getBytes(StandardCharsets.UTF_8));
				return data.toString().getBytes(StandardCharsets.UTF_8);
			}

		};
		OutboxStasher stasher = JdbcOutboxStasher.builder(new SimpleDriverDataSource())
			.valueSerializer(serializer)
			.build();
		OutboxRecord record = stasher.toRecord("orders", "k", 42).withHeader("source", "shop");
		assertThat(record.value()).isEqualTo("42".getBytes(StandardCharsets.UTF_8));
		assertThat(record.headers()).containsExactly(new OutboxHeader("content-type", "text/plain"),
				new OutboxHeader("source", "shop"));
	}

	@Test
	void serializerHeaderThatIsNotTextIsRejected() {
		Serializer<Object> serializer = new Serializer<>() {

			@Override
			public byte[] serialize(String topic, Object data) {
				return new byte[0];
			}

			@Override
			public byte[] serialize(String topic, Headers headers, Object data) {
				headers.add("schema-id", new byte[] { (byte) 0xFF, 1 });
				return new byte[0];
			}

		};
		OutboxStasher stasher = JdbcOutboxStasher.builder(new SimpleDriverDataSource())
			.valueSerializer(serializer)
			.build();
		assertThatIllegalArgumentException().isThrownBy(() -> stasher.toRecord("orders", "k", 42))
			.withMessage("Serializer " + serializer.getClass().getName()
					+ " set header 'schema-id' to bytes that are not UTF-8 text; "
					+ "the outbox stores header values as text");
	}

	record Item(String name, int count) {
	}

}
