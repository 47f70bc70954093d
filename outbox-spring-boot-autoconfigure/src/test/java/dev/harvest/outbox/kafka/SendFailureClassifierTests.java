package dev.harvest.outbox.kafka;

import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SendFailureClassifier}.
 */
class SendFailureClassifierTests {

	private final SendFailureClassifier classifier = new SendFailureClassifier();

	@Test
	void transientFailuresAreRetriable() {
		assertThat(this.classifier.classify(new TimeoutException("no ack"))).isEqualTo(SendFailureKind.RETRIABLE);
		assertThat(this.classifier.classify(new BufferExhaustedException("full"))).isEqualTo(SendFailureKind.RETRIABLE);
		assertThat(this.classifier.classify(new NotEnoughReplicasException("isr"))).isEqualTo(SendFailureKind.RETRIABLE);
		assertThat(this.classifier.classify(new NetworkException("down"))).isEqualTo(SendFailureKind.RETRIABLE);
		assertThat(this.classifier.classify(new UnknownTopicOrPartitionException("creating")))
			.isEqualTo(SendFailureKind.RETRIABLE);
		assertThat(this.classifier.classify(new UnknownServerException("broker hiccup")))
			.isEqualTo(SendFailureKind.RETRIABLE);
	}

	@Test
	void failuresCausedByTheRecordArePoison() {
		assertThat(this.classifier.classify(new RecordTooLargeException("big"))).isEqualTo(SendFailureKind.POISON);
		assertThat(this.classifier.classify(new RecordBatchTooLargeException("big"))).isEqualTo(SendFailureKind.POISON);
		assertThat(this.classifier.classify(new InvalidTopicException("bad"))).isEqualTo(SendFailureKind.POISON);
		assertThat(this.classifier.classify(new TopicAuthorizationException("denied")))
			.isEqualTo(SendFailureKind.POISON);
		assertThat(this.classifier.classify(new SerializationException("bytes"))).isEqualTo(SendFailureKind.POISON);
		assertThat(this.classifier.classify(new InvalidRecordException("compacted without key")))
			.isEqualTo(SendFailureKind.POISON);
		assertThat(this.classifier.classify(new IllegalArgumentException("odd"))).isEqualTo(SendFailureKind.POISON);
	}

	@Test
	void failuresThatBreakTheProducerAreFatal() {
		assertThat(this.classifier.classify(new ProducerFencedException("fenced"))).isEqualTo(SendFailureKind.FATAL);
		assertThat(this.classifier.classify(new OutOfOrderSequenceException("gap"))).isEqualTo(SendFailureKind.FATAL);
		assertThat(this.classifier.classify(new UnknownProducerIdException("gone"))).isEqualTo(SendFailureKind.FATAL);
		assertThat(this.classifier.classify(new SaslAuthenticationException("password"))).isEqualTo(SendFailureKind.FATAL);
		assertThat(this.classifier.classify(new ClusterAuthorizationException("idempotent write")))
			.isEqualTo(SendFailureKind.FATAL);
		assertThat(this.classifier.classify(new UnsupportedVersionException("old broker")))
			.isEqualTo(SendFailureKind.FATAL);
		assertThat(this.classifier.classify(new IllegalStateException("Cannot perform operation after producer has been closed")))
			.isEqualTo(SendFailureKind.FATAL);
		assertThat(this.classifier.classify(new KafkaException("Producer is closed forcefully.")))
			.isEqualTo(SendFailureKind.FATAL);
	}

	@Test
	void wrappersAreLookedThrough() {
		assertThat(this.classifier.classify(new ExecutionException(new RecordTooLargeException("big"))))
			.isEqualTo(SendFailureKind.POISON);
		assertThat(this.classifier.classify(new KafkaException("wrapped", new TimeoutException("slow"))))
			.isEqualTo(SendFailureKind.RETRIABLE);
	}

}
