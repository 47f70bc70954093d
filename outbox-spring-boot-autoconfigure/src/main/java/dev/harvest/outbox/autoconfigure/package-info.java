/**
 * Spring Boot auto-configuration for Harvest.
 */
@NullMarked
package dev.harvest.outbox.autoconfigure;

import org.jspecify.annotations.NullMarked;
