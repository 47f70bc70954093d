package dev.harvest.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.harvest.outbox.harvest.Limits;

/**
 * A backlog for one harvester to drain, and the limits it drains it with.
 *
 * @param name the case name
 * @param rows rows pre-loaded
 * @param keys distinct keys
 * @param valueBytes bytes per value
 * @param partitions partitions of the topic
 * @param limits the harvester's limits
 * @param producerSettings extra Kafka producer settings
 */
record DrainCase(String name, long rows, int keys, int valueBytes, int partitions, Limits limits,
		Map<String, Object> producerSettings) {

	/**
	 * Returns the parameters for the report: the backlog and the limits that matter for it.
	 * @return the parameters by name
	 */
	Map<String, Object> parameters() {
		Map<String, Object> parameters = new LinkedHashMap<>();
		parameters.put("rows", this.rows);
		parameters.put("keys", this.keys);
		parameters.put("value-bytes", this.valueBytes);
		parameters.put("partitions", this.partitions);
		parameters.put("send-concurrency", this.limits.sendConcurrency());
		parameters.put("send-buffer", this.limits.sendBuffer());
		parameters.put("mark-query-records", this.limits.markQueryRecords());
		parameters.put("max-in-flight-records", this.limits.maxInFlightRecords());
		parameters.put("max-queued-records", this.limits.maxQueuedRecords());
		parameters.put("purge-batch-size", this.limits.purgeBatchSize());
		this.producerSettings.forEach((name, value) -> parameters.put("producer." + name, value));
		return parameters;
	}

}
