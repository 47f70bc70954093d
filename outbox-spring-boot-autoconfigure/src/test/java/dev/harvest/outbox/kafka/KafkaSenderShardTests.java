package dev.harvest.outbox.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.kafka.mock.MockProducerFactory;

import dev.harvest.outbox.OutboxRecord;
import dev.harvest.outbox.jdbc.OutboxRow;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KafkaSenderShard}.
 */
class KafkaSenderShardTests {

	private final List<MockProducer<String, byte[]>> producers = new ArrayList<>();

	private final KafkaSenderShard shard = new KafkaSenderShard(0, "orders-outbox", new MockProducerFactory<>(() -> {
		MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
				new ByteArraySerializer());
		this.producers.add(producer);
		return producer;
	}));

	@Test
	void recordCarriesTheStoredHeadersThenTheOutboxIdEpochAndLeaderGroup() {
		OutboxRecord record = OutboxRecord.builder("orders", "order-1")
			.value("{\"total\":3}")
			.header("traceparent", "00-abc-def-01")
			.header("tag", "a")
			.header("tag", "b")
			.build();
		ProducerRecord<String, byte[]> sent = KafkaSenderShard.producerRecord(row(42, record), "orders-outbox", 7);
		assertThat(sent.topic()).isEqualTo("orders");
		assertThat(sent.key()).isEqualTo("order-1");
		assertThat(new String(sent.value(), StandardCharsets.UTF_8)).isEqualTo("{\"total\":3}");
		assertThat(sent.partition()).isNull();
		assertThat(sent.timestamp()).isNull();
		List<String> headers = new ArrayList<>();
		for (Header header : sent.headers()) {
			headers.add(header.key() + "=" + new String(header.value(), StandardCharsets.UTF_8));
		}
		assertThat(headers).containsExactly("traceparent=00-abc-def-01", "tag=a", "tag=b", "outbox-id=42",
				"outbox-leader-epoch=7", "outbox-leader-group=orders-outbox");
	}

	@Test
	void nullValueIsSentAsATombstone() {
		ProducerRecord<String, byte[]> sent = KafkaSenderShard
			.producerRecord(row(1, OutboxRecord.builder("orders", "gone").build()), "orders-outbox", 1);
		assertThat(sent.value()).isNull();
	}

	@Test
	void sendReportsTheAcknowledgementThroughTheCallback() {
		AtomicReference<Exception> failure = new AtomicReference<>();
		AtomicInteger calls = new AtomicInteger();
		this.shard.send(row(5, OutboxRecord.builder("orders", "k").value("v").build()), 3, (metadata, ex) -> {
			calls.incrementAndGet();
			failure.set(ex);
		});
		assertThat(calls).hasValue(0);
		assertThat(this.producers.get(0).completeNext()).isTrue();
		assertThat(calls).hasValue(1);
		assertThat(failure.get()).isNull();
	}

	@Test
	void failureToSendAtOnceIsReportedThroughTheCallbackExactlyOnce() {
		this.shard.send(row(1, OutboxRecord.builder("orders", "k").value("v").build()), 1, (metadata, ex) -> {
		});
		this.producers.get(0).sendException = new KafkaException("producer broke");
		List<Exception> failures = new ArrayList<>();
		this.shard.send(row(2, OutboxRecord.builder("orders", "k").value("v").build()), 1,
				(metadata, ex) -> failures.add(ex));
		assertThat(failures).singleElement().isInstanceOf(KafkaException.class);
	}

	@Test
	void rebuildClosesTheProducerAndTheNextSendCreatesAFreshOne() {
		this.shard.send(row(1, OutboxRecord.builder("orders", "k").value("v").build()), 1, (metadata, ex) -> {
		});
		assertThat(this.shard.generation()).isZero();
		this.shard.rebuild();
		assertThat(this.shard.generation()).isOne();
		assertThat(this.producers.get(0).closed()).isTrue();
		this.shard.send(row(2, OutboxRecord.builder("orders", "k").value("v").build()), 1, (metadata, ex) -> {
		});
		assertThat(this.producers).hasSize(2);
		assertThat(this.producers.get(1).history()).hasSize(1);
		this.shard.close();
		assertThat(this.producers.get(1).closed()).isTrue();
	}

	private static OutboxRow row(long id, OutboxRecord record) {
		return new OutboxRow(id, Instant.EPOCH, record, null);
	}

}
