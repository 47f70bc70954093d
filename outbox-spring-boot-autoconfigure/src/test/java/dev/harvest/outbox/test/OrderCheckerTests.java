package dev.harvest.outbox.test;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link OrderChecker}.
 */
class OrderCheckerTests {

	private final OrderChecker checker = new OrderChecker();

	@Test
	void inOrderDeliveryIsClean() {
		feed("a", 0, 1, 2);
		feed("b", 0, 1);
		OrderChecker.Report report = this.checker.report(Map.of("a", 3L, "b", 2L));
		assertThat(report.isClean()).isTrue();
		assertThat(report.delivered()).isEqualTo(5);
		assertThat(report.duplicates()).isZero();
	}

	@Test
	void repeatOfTheLatestRecordIsADuplicateNotAProblem() {
		feed("a", 0, 1, 1, 2);
		OrderChecker.Report report = this.checker.report(Map.of("a", 3L));
		assertThat(report.isClean()).isTrue();
		assertThat(report.duplicates()).isEqualTo(1);
	}

	@Test
	void goingBackIsARegression() {
		feed("a", 0, 1, 2, 1);
		OrderChecker.Report report = this.checker.report(Map.of("a", 3L));
		assertThat(report.isClean()).isFalse();
		assertThat(report.regressions()).isEqualTo(1);
		assertThat(report.problems()).anySatisfy((p) -> assertThat(p).contains("went back from 2 to 1"));
	}

	@Test
	void skippingAheadIsAGap() {
		feed("a", 0, 2);
		OrderChecker.Report report = this.checker.report(Map.of("a", 3L));
		assertThat(report.gaps()).isEqualTo(1);
		assertThat(report.isClean()).isFalse();
	}

	@Test
	void undeliveredCommittedRecordsAreMissing() {
		feed("a", 0, 1);
		OrderChecker.Report report = this.checker.report(Map.of("a", 4L, "b", 1L));
		assertThat(report.missing()).isEqualTo(3);
		assertThat(report.isClean()).isFalse();
	}

	private void feed(String key, long... sequences) {
		for (long sequence : sequences) {
			this.checker.accept(key, sequence);
		}
	}

}
