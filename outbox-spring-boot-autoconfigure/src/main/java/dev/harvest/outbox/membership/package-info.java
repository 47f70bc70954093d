/**
 * The leader group's members as Kafka's group coordinator describes them, with the leader and
 * this instance marked, and events when members come, go or the leader changes.
 */
@NullMarked
package dev.harvest.outbox.membership;

import org.jspecify.annotations.NullMarked;
