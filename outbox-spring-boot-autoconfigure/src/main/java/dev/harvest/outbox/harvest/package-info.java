/**
 * The harvesting engine: leadership, marking, per-key scheduling, sending and purging.
 */
@NullMarked
package dev.harvest.outbox.harvest;

import org.jspecify.annotations.NullMarked;
