package dev.harvest.outbox.backlog;

/**
 * The pending rows of one topic in a sample.
 *
 * @param topic the Kafka topic
 * @param backlog the topic's pending rows among those the sample scanned
 * @param oldest the topic's pending row with the lowest id among those scanned
 */
public record TopicSample(String topic, long backlog, OldestRow oldest) {

}
