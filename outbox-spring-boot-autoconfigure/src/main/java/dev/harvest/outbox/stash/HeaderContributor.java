package dev.harvest.outbox.stash;

import java.util.List;

import dev.harvest.outbox.OutboxHeader;

/**
 * Contributes headers to every record the stasher writes, for example the current trace
 * context. Called once per stash call on the writing thread; a record that already has a
 * header with the same key keeps its own.
 */
@FunctionalInterface
public interface HeaderContributor {

	/**
	 * Returns the headers to add now.
	 * @return the headers, possibly empty
	 */
	List<OutboxHeader> headers();

}
