/**
 * Writing outbox records inside the caller's transaction.
 */
@NullMarked
package dev.harvest.outbox.stash;

import org.jspecify.annotations.NullMarked;
