package dev.harvest.outbox.kafka;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * Sorts send failures into those worth retrying, those caused by the record itself, and those
 * that leave the shard's producer unusable.
 */
public final class SendFailureClassifier {

	/**
	 * Classifies a failure reported by a producer, synchronously or through its callback.
	 * @param failure the failure
	 * @return what kind of failure it is
	 */
	public SendFailureKind classify(Throwable failure) {
		Throwable cause = unwrap(failure);
		// Topic authorization is about the record's topic, not the producer, so test it before
		// the broader authorization check below.
		if (cause instanceof TopicAuthorizationException) {
			return SendFailureKind.POISON;
		}
		if (cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException
				|| cause instanceof OutOfOrderSequenceException || cause instanceof AuthenticationException
				|| cause instanceof AuthorizationException || cause instanceof UnsupportedVersionException
				|| cause instanceof IllegalStateException) {
			return SendFailureKind.FATAL;
		}
		if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
				|| cause instanceof InvalidTopicException || cause instanceof SerializationException
				|| cause instanceof InvalidRecordException || cause instanceof PolicyViolationException) {
			return SendFailureKind.POISON;
		}
		// A broker reports unexpected internal errors as UNKNOWN_SERVER_ERROR; they are usually
		// transient, and holding a healthy key for good after a few of them would be worse than
		// retrying with a capped backoff.
		if (cause instanceof RetriableException || cause instanceof UnknownServerException) {
			return SendFailureKind.RETRIABLE;
		}
		if (cause instanceof ApiException) {
			return SendFailureKind.POISON;
		}
		// Client-side failures that are not about one record: a closed or interrupted producer,
		// or one that could not be constructed.
		if (cause instanceof KafkaException) {
			return SendFailureKind.FATAL;
		}
		return SendFailureKind.POISON;
	}

	private static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		while ((current instanceof ExecutionException || current instanceof CompletionException
				|| current.getClass() == KafkaException.class) && current.getCause() != null
				&& current.getCause() != current) {
			current = current.getCause();
		}
		return current;
	}

}
