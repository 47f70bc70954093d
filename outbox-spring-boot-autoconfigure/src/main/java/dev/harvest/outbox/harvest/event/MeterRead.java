package dev.harvest.outbox.harvest.event;

/**
 * A throughput reading, emitted at most every {@code minMetricsInterval}.
 *
 * @param stats the reading
 */
public record MeterRead(MeterStats stats) implements HarvestEvent {

}
