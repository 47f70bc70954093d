/**
 * Sending outbox records to Kafka through producers from Spring Kafka's producer factory.
 */
@NullMarked
package dev.harvest.outbox.kafka;

import org.jspecify.annotations.NullMarked;
