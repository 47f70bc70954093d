package dev.harvest.outbox.jdbc;

import java.util.List;

/**
 * What a mark statement did: the rows it claimed (sorted by id), or that it was refused
 * because a newer leader epoch exists, and the transaction horizon its snapshot saw.
 *
 * @param rows the claimed rows in id order; empty when fenced
 * @param currentEpoch the group's epoch as the statement saw it
 * @param fenced whether the caller's epoch is stale, so that nothing was marked
 * @param snapshotXmin the statement snapshot's {@code xmin}: no transaction below it was
 * still running, or {@link #UNKNOWN}
 * @param transactionId the statement's own transaction id, taken after its snapshot and so
 * above that of every transaction that had one by then, or {@link #UNKNOWN}
 */
public record MarkResult(List<OutboxRow> rows, long currentEpoch, boolean fenced, long snapshotXmin,
		long transactionId) {

	/** The transaction horizon was not read. */
	public static final long UNKNOWN = -1;

	public MarkResult {
		rows = List.copyOf(rows);
	}

	/**
	 * Creates a result that says nothing about the transaction horizon.
	 * @param rows the claimed rows in id order
	 * @param currentEpoch the group's epoch as the statement saw it
	 * @param fenced whether the caller's epoch is stale
	 */
	public MarkResult(List<OutboxRow> rows, long currentEpoch, boolean fenced) {
		this(rows, currentEpoch, fenced, UNKNOWN, UNKNOWN);
	}

}
