/**
 * Leader election over a Kafka consumer group (NELI), with heartbeats and fencing.
 */
@NullMarked
package dev.harvest.outbox.neli;

import org.jspecify.annotations.NullMarked;
