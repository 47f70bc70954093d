/**
 * Backlog evaluation after LinkedIn Burrow: samples of the outbox on a timer, a window of them
 * per scope, and rules that tell whether the outbox is draining and, if not, why.
 */
@NullMarked
package dev.harvest.outbox.backlog;

import org.jspecify.annotations.NullMarked;
