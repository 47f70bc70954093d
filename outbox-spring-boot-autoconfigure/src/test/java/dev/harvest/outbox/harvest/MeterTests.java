package dev.harvest.outbox.harvest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import dev.harvest.outbox.harvest.event.MeterStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Meter}.
 */
class MeterTests {

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final Meter meter = new Meter("throughput", this.clock);

	@Test
	void readingReportsTotalsSinceStartAndIntervalsSinceTheLastReading() {
		this.meter.add(10);
		this.clock.advance(Duration.ofSeconds(2));
		MeterStats first = this.meter.read();
		assertThat(first.name()).isEqualTo("throughput");
		assertThat(first.start()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
		assertThat(first.totalCount()).isEqualTo(10);
		assertThat(first.totalRatePerS()).isEqualTo(5.0);
		assertThat(first.intervalCount()).isEqualTo(10);
		assertThat(first.intervalRatePerS()).isEqualTo(5.0);

		this.meter.add(30);
		this.clock.advance(Duration.ofSeconds(3));
		MeterStats second = this.meter.read();
		assertThat(second.totalCount()).isEqualTo(40);
		assertThat(second.totalRatePerS()).isEqualTo(8.0);
		assertThat(second.intervalCount()).isEqualTo(30);
		assertThat(second.intervalRatePerS()).isEqualTo(10.0);
		assertThat(second.toString()).isEqualTo(
				"Meter throughput: 40 since 2026-01-01T00:00:00Z, rate: 10.000 current, 8.000 average");
	}

	@Test
	void peekingDoesNotStartANewInterval() {
		this.meter.add(4);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.meter.peek().intervalCount()).isEqualTo(4);
		assertThat(this.meter.changedSinceRead()).isTrue();
		assertThat(this.meter.read().intervalCount()).isEqualTo(4);
		assertThat(this.meter.changedSinceRead()).isFalse();
		assertThat(this.meter.peek().intervalCount()).isZero();
	}

	@Test
	void ratesAreZeroBeforeAnyTimePassed() {
		this.meter.add(3);
		MeterStats stats = this.meter.read();
		assertThat(stats.totalRatePerS()).isZero();
		assertThat(stats.intervalRatePerS()).isZero();
	}

	@Test
	void restartCountsFromZeroAgain() {
		this.meter.add(3);
		this.clock.advance(Duration.ofSeconds(5));
		this.meter.restart();
		MeterStats stats = this.meter.peek();
		assertThat(stats.totalCount()).isZero();
		assertThat(stats.start()).isEqualTo(Instant.parse("2026-01-01T00:00:05Z"));
	}

	/**
	 * A clock the test moves by hand.
	 */
	static final class MutableClock extends Clock {

		private volatile Instant now;

		MutableClock(Instant now) {
			this.now = now;
		}

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
