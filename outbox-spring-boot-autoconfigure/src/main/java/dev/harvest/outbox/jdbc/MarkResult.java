package dev.harvest.outbox.jdbc;

import java.util.List;

/**
 * What a mark statement did: the rows it claimed (sorted by id), or that it was refused
 * because a newer leader epoch exists.
 *
 * @param rows the claimed rows in id order; empty when fenced
 * @param currentEpoch the group's epoch as the statement saw it
 * @param fenced whether the caller's epoch is stale, so that nothing was marked
 */
public record MarkResult(List<OutboxRow> rows, long currentEpoch, boolean fenced) {

	public MarkResult {
		rows = List.copyOf(rows);
	}

}
