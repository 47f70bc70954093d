/**
 * Events the harvester emits about leadership, throughput and failures.
 */
@NullMarked
package dev.harvest.outbox.harvest.event;

import org.jspecify.annotations.NullMarked;
