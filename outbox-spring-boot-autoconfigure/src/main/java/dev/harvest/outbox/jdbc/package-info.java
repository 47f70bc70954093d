/**
 * The outbox table in PostgreSQL: names, queries and schema.
 */
@NullMarked
package dev.harvest.outbox.jdbc;

import org.jspecify.annotations.NullMarked;
