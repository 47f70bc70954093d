package dev.harvest.outbox.harvest;

/**
 * Running totals of what a harvester did since it started, for metrics.
 *
 * @param marked rows claimed by mark statements and taken into memory
 * @param published records acknowledged by Kafka
 * @param failed sends that failed (each failed attempt counts)
 * @param retried records scheduled for another attempt after a failure
 * @param purged rows deleted after their records were acknowledged
 * @param late rows found below the mark cursor, i.e. committed after rows with higher ids
 * @param refreshes leader ids minted because the harvester could not know what it had marked
 * @param heldKeys keys currently blocked behind a record that cannot be published
 */
public record HarvestCounters(long marked, long published, long failed, long retried, long purged, long late,
		long refreshes, int heldKeys) {

}
