package dev.harvest.benchmarks;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts the records a topic holds from its partitions' end offsets, which is cheap even for
 * millions of records: more records than rows written means duplicates.
 */
final class TopicOffsets {

	private TopicOffsets() {
	}

	static long records(Infrastructure infrastructure, String topic) {
		try (Admin admin = infrastructure.admin()) {
			TopicDescription description = admin.describeTopics(java.util.List.of(topic))
				.allTopicNames()
				.get(60, TimeUnit.SECONDS)
				.get(topic);
			Map<TopicPartition, OffsetSpec> request = new HashMap<>();
			description.partitions()
				.forEach((partition) -> request.put(new TopicPartition(topic, partition.partition()), OffsetSpec.latest()));
			Map<TopicPartition, ListOffsetsResultInfo> offsets = admin.listOffsets(request)
				.all()
				.get(60, TimeUnit.SECONDS);
			return offsets.values().stream().mapToLong(ListOffsetsResultInfo::offset).sum();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while reading offsets of " + topic, ex);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not read the end offsets of " + topic, ex);
		}
	}

}
