package dev.harvest.outbox.harvest;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.jspecify.annotations.Nullable;

import org.springframework.kafka.core.ProducerFactory;

/**
 * Decorates a shard's real producer factory so that its producers fail some sends, as in
 * goharvest's integration test: a send may fail at once (nothing written), or Kafka may report
 * a delivery as failed, either without having written the record (a request that timed out
 * before reaching the broker) or after writing it (the acknowledgement was lost). Every other
 * send goes through the real producer untouched.
 */
final class FaultInjectingProducerFactory implements ProducerFactory<String, byte[]> {

	private final ProducerFactory<String, byte[]> delegate;

	private final Faults faults;

	FaultInjectingProducerFactory(ProducerFactory<String, byte[]> delegate, Faults faults) {
		this.delegate = delegate;
		this.faults = faults;
	}

	@Override
	public Producer<String, byte[]> createProducer() {
		return wrap(this.delegate.createProducer());
	}

	@Override
	public Producer<String, byte[]> createNonTransactionalProducer() {
		return wrap(this.delegate.createNonTransactionalProducer());
	}

	@Override
	public void reset() {
		this.delegate.reset();
	}

	@Override
	public Map<String, Object> getConfigurationProperties() {
		return this.delegate.getConfigurationProperties();
	}

	@SuppressWarnings("unchecked")
	private Producer<String, byte[]> wrap(Producer<String, byte[]> producer) {
		return (Producer<String, byte[]>) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { Producer.class }, new FaultyProducer(producer, this.faults));
	}

	/**
	 * Forwards every call to the real producer, deciding for each send whether it fails.
	 */
	private static final class FaultyProducer implements InvocationHandler {

		private final Producer<String, byte[]> producer;

		private final Faults faults;

		FaultyProducer(Producer<String, byte[]> producer, Faults faults) {
			this.producer = producer;
			this.faults = faults;
		}

		@Override
		@SuppressWarnings("unchecked")
		public @Nullable Object invoke(Object proxy, Method method, Object @Nullable [] args) throws Throwable {
			if (method.getName().equals("send") && args != null && args.length == 2) {
				return send((ProducerRecord<String, byte[]>) args[0], (Callback) args[1]);
			}
			try {
				return method.invoke(this.producer, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getCause();
			}
		}

		private Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
			switch (this.faults.next()) {
				case SEND_FAILS -> throw new TimeoutException("Injected: the send failed before reaching the producer");
				case NOT_WRITTEN -> {
					TimeoutException failure = new TimeoutException(
							"Injected: the request expired before the broker wrote the record");
					this.faults.later(() -> callback.onCompletion(null, failure));
					return CompletableFuture.failedFuture(failure);
				}
				case WRITTEN_BUT_REPORTED_FAILED -> {
					CompletableFuture<RecordMetadata> reported = new CompletableFuture<>();
					this.producer.send(record, (metadata, exception) -> {
						Exception failure = (exception != null) ? exception
								: new TimeoutException("Injected: the broker wrote the record but the acknowledgement"
										+ " was lost");
						reported.completeExceptionally(failure);
						callback.onCompletion(null, failure);
					});
					return reported;
				}
				default -> {
					return this.producer.send(record, callback);
				}
			}
		}

	}

	/**
	 * Decides which sends fail and counts the failures injected. Shared by every shard of
	 * every instance of a test.
	 */
	static final class Faults implements AutoCloseable {

		private final double sendFailureRate;

		private final double deliveryFailureRate;

		private final AtomicLong sends = new AtomicLong();

		private final AtomicLong sendFailures = new AtomicLong();

		private final AtomicLong notWritten = new AtomicLong();

		private final AtomicLong writtenButReportedFailed = new AtomicLong();

		private final ScheduledExecutorService callbacks = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "injected-delivery-failures");
			thread.setDaemon(true);
			return thread;
		});

		/**
		 * Creates the faults.
		 * @param sendFailureRate share of sends that fail at once
		 * @param deliveryFailureRate share of sends reported as failed by Kafka, half of them
		 * written and half not
		 */
		Faults(double sendFailureRate, double deliveryFailureRate) {
			this.sendFailureRate = sendFailureRate;
			this.deliveryFailureRate = deliveryFailureRate;
		}

		Fault next() {
			this.sends.incrementAndGet();
			double draw = ThreadLocalRandom.current().nextDouble();
			if (draw < this.sendFailureRate) {
				this.sendFailures.incrementAndGet();
				return Fault.SEND_FAILS;
			}
			draw -= this.sendFailureRate;
			if (draw < this.deliveryFailureRate / 2) {
				this.notWritten.incrementAndGet();
				return Fault.NOT_WRITTEN;
			}
			if (draw < this.deliveryFailureRate) {
				this.writtenButReportedFailed.incrementAndGet();
				return Fault.WRITTEN_BUT_REPORTED_FAILED;
			}
			return Fault.NONE;
		}

		void later(Runnable callback) {
			// Kafka reports an expired request from its I/O thread, some time after the send.
			this.callbacks.schedule(callback, 5, TimeUnit.MILLISECONDS);
		}

		long sendFailures() {
			return this.sendFailures.get();
		}

		long notWritten() {
			return this.notWritten.get();
		}

		long writtenButReportedFailed() {
			return this.writtenButReportedFailed.get();
		}

		@Override
		public String toString() {
			return this.sends + " sends: " + this.sendFailures + " failed at once, " + this.notWritten
					+ " reported failed and not written, " + this.writtenButReportedFailed
					+ " written but reported failed";
		}

		@Override
		public void close() {
			this.callbacks.shutdownNow();
		}

	}

	/**
	 * What happens to one send.
	 */
	enum Fault {

		NONE, SEND_FAILS, NOT_WRITTEN, WRITTEN_BUT_REPORTED_FAILED

	}

}
