/**
 * Actuator support for Harvest: the {@code harvest} endpoint and health indicator.
 */
@NullMarked
package dev.harvest.outbox.actuate;

import org.jspecify.annotations.NullMarked;
