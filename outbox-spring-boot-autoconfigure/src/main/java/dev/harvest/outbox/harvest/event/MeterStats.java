package dev.harvest.outbox.harvest.event;

import java.time.Instant;

/**
 * Published-record throughput, with goharvest's meter fields.
 *
 * @param name the meter name
 * @param start when counting started
 * @param totalCount records published since {@code start}
 * @param totalRatePerS average rate since {@code start}
 * @param intervalCount records published since the previous reading
 * @param intervalRatePerS rate since the previous reading
 */
public record MeterStats(String name, Instant start, long totalCount, double totalRatePerS, long intervalCount,
		double intervalRatePerS) {

	@Override
	public String toString() {
		return String.format("Meter %s: %d since %s, rate: %.3f current, %.3f average", this.name, this.totalCount,
				this.start, this.intervalRatePerS, this.totalRatePerS);
	}

}
