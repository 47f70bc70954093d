/**
 * Harvest's public API for writing to the outbox: records, headers and the stasher.
 */
@NullMarked
package dev.harvest.outbox;

import org.jspecify.annotations.NullMarked;
