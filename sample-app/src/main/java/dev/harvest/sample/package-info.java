/**
 * The Harvest sample application: an order service and, with the {@code reaper} profile, a
 * standalone harvester.
 */
@NullMarked
package dev.harvest.sample;

import org.jspecify.annotations.NullMarked;
