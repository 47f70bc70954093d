package dev.harvest.outbox.jdbc;

/**
 * What a purge statement did: how many acknowledged rows it deleted, or that it deleted none
 * because the epoch the rows were sent under is no longer the group's.
 *
 * @param deleted the number of rows deleted; zero when fenced
 * @param currentEpoch the group's epoch as the statement saw it, or zero when it has none
 * @param fenced whether the caller's epoch is stale, so that nothing was deleted
 */
public record PurgeResult(int deleted, long currentEpoch, boolean fenced) {

	/**
	 * Returns the result of purging no rows, which needs no statement.
	 * @param epoch the caller's epoch
	 * @return a result with nothing deleted and not fenced
	 */
	public static PurgeResult nothing(long epoch) {
		return new PurgeResult(0, epoch, false);
	}

}
