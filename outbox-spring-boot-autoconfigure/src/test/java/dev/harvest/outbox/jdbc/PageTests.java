package dev.harvest.outbox.jdbc;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Page}.
 */
class PageTests {

	@Test
	void hasNextWhileLaterPagesHoldItems() {
		assertThat(new Page<>(List.of(1, 2), 0, 2, 3).hasNext()).isTrue();
		assertThat(new Page<>(List.of(3), 1, 2, 3).hasNext()).isFalse();
		assertThat(new Page<>(List.of(3, 4), 1, 2, 4).hasNext()).isFalse();
		assertThat(new Page<Integer>(List.of(), 0, 10, 0).hasNext()).isFalse();
	}

	@Test
	void hasNextDoesNotOverflowOnLargePages() {
		assertThat(new Page<Integer>(List.of(), Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE).hasNext())
			.isTrue();
	}

}
