package dev.harvest.outbox.kafka;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StaleEpochRecordFilter}.
 */
class StaleEpochRecordFilterTests {

	private final StaleEpochRecordFilter<String, String> filter = new StaleEpochRecordFilter<>();

	private long offset;

	@Test
	void recordOfAFormerEpochAfterANewerOneOnItsPartitionIsDiscarded() {
		assertThat(kept(record(0, "group", 1, "a"), record(0, "group", 2, "b"), record(0, "group", 1, "a"),
				record(0, "group", 2, "c"))).containsExactly("a@1", "b@2", "c@2");
		assertThat(this.filter.discarded()).isOne();
	}

	@Test
	void formerEpochBeforeAnyNewerRecordIsKept() {
		assertThat(kept(record(0, "group", 1, "a"), record(0, "group", 1, "a"), record(0, "group", 3, "a")))
			.containsExactly("a@1", "a@1", "a@3");
		assertThat(this.filter.discarded()).isZero();
	}

	@Test
	void epochsAreComparedWithinOnePartition() {
		assertThat(kept(record(0, "group", 2, "a"), record(1, "group", 1, "b"))).containsExactly("a@2", "b@1");
	}

	@Test
	void epochsOfDifferentLeaderGroupsAreNotCompared() {
		assertThat(kept(record(0, "orders", 9, "a"), record(0, "payments", 1, "b"), record(0, "payments", 1, "c")))
			.containsExactly("a@9", "b@1", "c@1");
	}

	@Test
	void recordsWithoutAnEpochOrWithAnUnreadableOneAreKept() {
		ConsumerRecord<String, String> plain = new ConsumerRecord<>("t", 0, this.offset++, "k", "plain");
		ConsumerRecord<String, String> garbled = record(0, "group", 5, "garbled");
		garbled.headers().remove(KafkaSenderShard.LEADER_EPOCH_HEADER);
		garbled.headers().add(KafkaSenderShard.LEADER_EPOCH_HEADER, "five".getBytes(StandardCharsets.UTF_8));
		assertThat(kept(record(0, "group", 5, "a"), plain, garbled)).containsExactly("a@5", "plain@none",
				"garbled@none");
	}

	@Test
	void recordsWithoutAGroupShareOneScope() {
		ConsumerRecord<String, String> newer = record(0, "ignored", 4, "a");
		newer.headers().remove(KafkaSenderShard.LEADER_GROUP_HEADER);
		ConsumerRecord<String, String> older = record(0, "ignored", 3, "b");
		older.headers().remove(KafkaSenderShard.LEADER_GROUP_HEADER);
		assertThat(kept(newer, older)).containsExactly("a@4");
	}

	@Test
	void resetForgetsTheEpochsSeen() {
		assertThat(kept(record(0, "group", 2, "a"))).containsExactly("a@2");
		this.filter.reset();
		assertThat(kept(record(0, "group", 1, "replayed"))).containsExactly("replayed@1");
	}

	@SafeVarargs
	private List<String> kept(ConsumerRecord<String, String>... records) {
		List<String> kept = new ArrayList<>();
		for (ConsumerRecord<String, String> record : records) {
			if (!this.filter.filter(record)) {
				Header epoch = record.headers().lastHeader(KafkaSenderShard.LEADER_EPOCH_HEADER);
				String text = (epoch != null) ? new String(epoch.value(), StandardCharsets.UTF_8) : "none";
				kept.add(record.value() + "@" + (text.matches("\\d+") ? text : "none"));
			}
		}
		return kept;
	}

	private ConsumerRecord<String, String> record(int partition, String group, long epoch, String value) {
		RecordHeaders headers = new RecordHeaders();
		headers.add(KafkaSenderShard.OUTBOX_ID_HEADER, "1".getBytes(StandardCharsets.UTF_8));
		headers.add(KafkaSenderShard.LEADER_EPOCH_HEADER, Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
		headers.add(KafkaSenderShard.LEADER_GROUP_HEADER, group.getBytes(StandardCharsets.UTF_8));
		return new ConsumerRecord<>("t", partition, this.offset++, 0L, TimestampType.CREATE_TIME, 0, 0, "k", value,
				headers, Optional.empty());
	}

}
