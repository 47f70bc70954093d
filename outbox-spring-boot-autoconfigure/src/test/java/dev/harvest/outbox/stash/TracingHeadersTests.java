package dev.harvest.outbox.stash;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.propagation.Propagator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.harvest.outbox.OutboxHeader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TracingHeaders}, with a fixed trace context standing in for the tracer's
 * current one.
 */
class TracingHeadersTests {

	private static final TraceContext SAMPLED = new FixedTraceContext("4bf92f3577b34da6a3ce929d0e0e4736",
			"00f067aa0ba902b7", true);

	@Test
	void noSpanMeansNoHeaders() {
		TracingHeaders headers = new TracingHeaders(() -> null, Propagator.NOOP);
		assertThat(headers.headers()).isEmpty();
	}

	@Test
	void sampledContextIsWrittenAsW3cTraceparent() {
		TracingHeaders headers = new TracingHeaders(() -> SAMPLED, Propagator.NOOP);
		assertThat(headers.headers()).containsExactly(
				new OutboxHeader("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
	}

	@Test
	void unsampledOrUndecidedContextHasFlagsZero() {
		assertThat(TracingHeaders.traceparent(new FixedTraceContext("4bf92f3577b34da6a3ce929d0e0e4736",
				"00f067aa0ba902b7", false)))
			.isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
		assertThat(TracingHeaders.traceparent(new FixedTraceContext("4bf92f3577b34da6a3ce929d0e0e4736",
				"00f067aa0ba902b7", null)))
			.endsWith("-00");
	}

	@Test
	void sixtyFourBitTraceIdIsPaddedAndUpperCaseLowered() {
		assertThat(TracingHeaders.traceparent(new FixedTraceContext("A3CE929D0E0E4736", "00F067AA0BA902B7", true)))
			.isEqualTo("00-0000000000000000a3ce929d0e0e4736-00f067aa0ba902b7-01");
	}

	@Test
	void idsThatAreNotValidForW3cGiveNoTraceparent() {
		assertThat(TracingHeaders.traceparent(new FixedTraceContext("0".repeat(32), "00f067aa0ba902b7", true)))
			.isNull();
		assertThat(TracingHeaders.traceparent(new FixedTraceContext("not-hex", "00f067aa0ba902b7", true))).isNull();
		assertThat(TracingHeaders.traceparent(new FixedTraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "", true)))
			.isNull();
		assertThat(TracingHeaders.traceparent(new FixedTraceContext("1".repeat(33), "00f067aa0ba902b7", true)))
			.isNull();
	}

	@Test
	void propagatorFieldsAreKeptAndItsTraceparentWins() {
		Propagator propagator = new FieldsPropagator(List.of(Map.of("traceparent", "00-from-propagator-01"),
				Map.of("tracestate", "congo=t61rcWkgMzE")));
		TracingHeaders headers = new TracingHeaders(() -> SAMPLED, propagator);
		assertThat(headers.headers()).containsExactly(new OutboxHeader("traceparent", "00-from-propagator-01"),
				new OutboxHeader("tracestate", "congo=t61rcWkgMzE"));
	}

	@Test
	void traceparentIsAddedWhenThePropagatorWritesAnotherFormat() {
		Propagator propagator = new FieldsPropagator(
				List.of(Map.of("b3", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")));
		TracingHeaders headers = new TracingHeaders(() -> SAMPLED, propagator);
		assertThat(headers.headers()).containsExactly(
				new OutboxHeader("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
				new OutboxHeader("b3", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"));
	}

	@Test
	void propagatorReceivesTheCurrentContext() {
		FieldsPropagator propagator = new FieldsPropagator(List.of());
		new TracingHeaders(() -> SAMPLED, propagator).headers();
		assertThat(propagator.injected).containsExactly(SAMPLED);
	}

	private record FixedTraceContext(String traceId, String spanId, @Nullable Boolean sampled)
			implements TraceContext {

		@Override
		public @Nullable String parentId() {
			return null;
		}

	}

	/**
	 * Writes fixed fields, in the order given, for whatever context it is handed.
	 */
	private static final class FieldsPropagator implements Propagator {

		private final List<Map<String, String>> fields;

		private final List<TraceContext> injected = new ArrayList<>();

		FieldsPropagator(List<Map<String, String>> fields) {
			this.fields = fields;
		}

		@Override
		public List<String> fields() {
			return this.fields.stream().flatMap((map) -> map.keySet().stream()).toList();
		}

		@Override
		public <C> void inject(TraceContext context, @Nullable C carrier, Setter<C> setter) {
			this.injected.add(context);
			this.fields.forEach((map) -> map.forEach((key, value) -> setter.set(carrier, key, value)));
		}

		@Override
		public <C> Span.Builder extract(C carrier, Getter<C> getter) {
			throw new UnsupportedOperationException("not used when writing");
		}

	}

}
