package dev.harvest.outbox.harvest;

import java.util.ArrayDeque;

import dev.harvest.outbox.jdbc.MarkResult;

/**
 * The marker's cursor: an id at or below which every outbox row that will ever commit has
 * been seen by a mark. Rows take their ids when inserted, not when committed, so a mark that
 * sees id 100 may not yet see id 90 of a transaction still open; should 90 then commit, and
 * its key's next row 110 arrive before anything looks below 100 again, the key would go out
 * of order. The cursor therefore only moves up to an id once every transaction that could
 * still hold a lower id has ended, as told by later mark statements.
 *
 * <p>Each mark statement reports its snapshot's {@code xmin} (no transaction below it is
 * running) and its own transaction id, which it takes after its snapshot and which is so
 * above the id of every transaction that had one by then. An id {@code m} seen by a mark
 * whose transaction id is {@code t1} settles in two steps. First a later snapshot with
 * {@code xmin > t1}: every transaction that had a transaction id when {@code m} was seen has
 * ended. A transaction may however have drawn its row id from the sequence just before that
 * snapshot and only got its transaction id just after, inside the same INSERT; so, second, a
 * still later snapshot whose {@code xmin} is above the transaction id {@code t2} of the first
 * step's mark: by then such an INSERT had its transaction id, and that transaction has ended
 * too.
 */
final class SettledCursor {

	/** Ids waiting to settle; the cursor lags a little more when the queue is full. */
	private static final int MAX_CANDIDATES = 64;

	private final ArrayDeque<Candidate> candidates = new ArrayDeque<>();

	private long position;

	/**
	 * Returns the cursor: a forward mark looks above it.
	 * @return the highest settled id, or {@code 0}
	 */
	long position() {
		return this.position;
	}

	/**
	 * Starts again from the head of the table.
	 */
	void reset() {
		this.position = 0;
		this.candidates.clear();
	}

	/**
	 * Takes what a forward mark (above {@link #position()}) saw.
	 * @param highestId the highest id it returned, {@code 0} when none
	 * @param truncated whether it returned as many rows as it may, so that it did not see
	 * every unmarked row up to its highest id's successors
	 * @param snapshotXmin its snapshot's {@code xmin}
	 * @param transactionId its own transaction id
	 */
	void forwardMarked(long highestId, boolean truncated, long snapshotXmin, long transactionId) {
		marked(snapshotXmin, transactionId);
		// This statement's snapshot came after every settled candidate's, so it saw every row
		// that had committed up to those ids; a truncated one only up to what it returned.
		long coveredUpTo = truncated ? highestId : Long.MAX_VALUE;
		Candidate head = this.candidates.peekFirst();
		while (head != null && head.settled && head.id <= coveredUpTo) {
			this.position = Math.max(this.position, head.id);
			this.candidates.pollFirst();
			head = this.candidates.peekFirst();
		}
		if (snapshotXmin == MarkResult.UNKNOWN || transactionId == MarkResult.UNKNOWN
				|| this.candidates.size() >= MAX_CANDIDATES) {
			return;
		}
		Candidate last = this.candidates.peekLast();
		long highestKnown = (last != null) ? Math.max(last.id, this.position) : this.position;
		if (highestId > highestKnown) {
			this.candidates.addLast(new Candidate(highestId, transactionId));
		}
	}

	/**
	 * Takes what any mark statement, forward or below the cursor, tells of transactions.
	 * @param snapshotXmin its snapshot's {@code xmin}
	 * @param transactionId its own transaction id
	 */
	void marked(long snapshotXmin, long transactionId) {
		if (snapshotXmin == MarkResult.UNKNOWN || transactionId == MarkResult.UNKNOWN) {
			return;
		}
		for (Candidate candidate : this.candidates) {
			if (candidate.settled || snapshotXmin <= candidate.awaitedXid) {
				continue;
			}
			if (candidate.firstStepDone) {
				candidate.settled = true;
			}
			else {
				candidate.firstStepDone = true;
				candidate.awaitedXid = transactionId;
			}
		}
	}

	/**
	 * Returns how many ids wait to settle.
	 * @return the count
	 */
	int pending() {
		return this.candidates.size();
	}

	private static final class Candidate {

		final long id;

		long awaitedXid;

		boolean firstStepDone;

		boolean settled;

		Candidate(long id, long awaitedXid) {
			this.id = id;
			this.awaitedXid = awaitedXid;
		}

	}

}
