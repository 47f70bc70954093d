/**
 * Micrometer metrics for Harvest.
 */
@NullMarked
package dev.harvest.outbox.metrics;

import org.jspecify.annotations.NullMarked;
