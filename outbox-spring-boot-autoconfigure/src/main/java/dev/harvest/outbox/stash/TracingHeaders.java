package dev.harvest.outbox.stash;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.OutboxHeader;

/**
 * Contributes the current span's trace context as headers, so that a consumer's trace
 * continues the writer's: a W3C {@code traceparent} always, plus whatever the application's
 * {@link Propagator} writes, such as {@code tracestate} and baggage. Nothing when no span is
 * current.
 */
public final class TracingHeaders implements HeaderContributor {

	/** The W3C Trace Context header that carries trace id, span id and sampling. */
	public static final String TRACEPARENT = "traceparent";

	private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

	private final Supplier<@Nullable TraceContext> currentContext;

	private final Propagator propagator;

	/**
	 * Creates headers from the tracer's current context, written with the given propagator.
	 * @param tracer the tracer
	 * @param propagator the application's propagator
	 */
	public TracingHeaders(Tracer tracer, Propagator propagator) {
		this(() -> tracer.currentTraceContext().context(), propagator);
	}

	/**
	 * Creates headers with only {@code traceparent}, for applications without a
	 * {@link Propagator}.
	 * @param tracer the tracer
	 */
	public TracingHeaders(Tracer tracer) {
		this(tracer, Propagator.NOOP);
	}

	TracingHeaders(Supplier<@Nullable TraceContext> currentContext, Propagator propagator) {
		this.currentContext = currentContext;
		this.propagator = propagator;
	}

	@Override
	public List<OutboxHeader> headers() {
		TraceContext context = this.currentContext.get();
		if (context == null) {
			return List.of();
		}
		Map<String, String> fields = new LinkedHashMap<>();
		this.propagator.inject(context, fields, (carrier, key, value) -> {
			if (carrier != null && key != null && value != null) {
				carrier.put(key, value);
			}
		});
		List<OutboxHeader> headers = new ArrayList<>();
		// Configured for another format (B3, say), the propagator writes no traceparent; add
		// it anyway so that W3C consumers can continue the trace too.
		if (!fields.containsKey(TRACEPARENT)) {
			String traceparent = traceparent(context);
			if (traceparent != null) {
				headers.add(new OutboxHeader(TRACEPARENT, traceparent));
			}
		}
		fields.forEach((key, value) -> headers.add(new OutboxHeader(key, value)));
		return headers;
	}

	/**
	 * Formats a context as a W3C {@code traceparent} value, version 00. A 64-bit trace id is
	 * padded to 128 bits with leading zeros, as the specification says.
	 * @param context the context
	 * @return the value, or {@code null} when the ids are not valid for W3C
	 */
	static @Nullable String traceparent(TraceContext context) {
		String traceId = normalize(context.traceId(), 32);
		String spanId = normalize(context.spanId(), 16);
		if (traceId == null || spanId == null) {
			return null;
		}
		String flags = Boolean.TRUE.equals(context.sampled()) ? "01" : "00";
		return "00-" + traceId + "-" + spanId + "-" + flags;
	}

	private static @Nullable String normalize(@Nullable String id, int length) {
		if (id == null || id.isEmpty() || id.length() > length) {
			return null;
		}
		String hex = "0".repeat(length - id.length()) + id.toLowerCase(Locale.ROOT);
		boolean allZero = hex.chars().allMatch((c) -> c == '0');
		return (HEX.matcher(hex).matches() && !allZero) ? hex : null;
	}

}
