package dev.harvest.outbox.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks what consumers saw against Harvest's promises, per key: no gaps, no regressions,
 * duplicates counted. Records carry a per-key sequence number that the writer assigns in commit
 * order (0, 1, 2, ...); feed them in the order one partition delivered them.
 */
public final class OrderChecker {

	private final Map<String, Long> latest = new LinkedHashMap<>();

	private final List<String> problems = new ArrayList<>();

	private long received;

	private long duplicates;

	private long regressions;

	private long gaps;

	/**
	 * Takes one consumed record.
	 * @param key the record key
	 * @param sequence the record's per-key sequence number
	 */
	public void accept(String key, long sequence) {
		this.received++;
		Long last = this.latest.get(key);
		long expected = (last != null) ? last + 1 : 0;
		if (sequence == expected) {
			this.latest.put(key, sequence);
		}
		else if (last != null && sequence == last) {
			this.duplicates++;
		}
		else if (last != null && sequence < last) {
			this.regressions++;
			problem("key " + key + " went back from " + last + " to " + sequence);
		}
		else {
			this.gaps++;
			problem("key " + key + " jumped from " + last + " to " + sequence);
			this.latest.put(key, sequence);
		}
	}

	/**
	 * Returns how many records so far were neither their key's next record nor a repeat of
	 * its latest.
	 * @return regressions and gaps together
	 */
	public long outOfOrder() {
		return this.regressions + this.gaps;
	}

	/**
	 * Compares what was received with what was committed.
	 * @param committed the number of records committed per key (sequences 0 to n-1)
	 * @return the report
	 */
	public Report report(Map<String, Long> committed) {
		long missing = 0;
		List<String> all = new ArrayList<>(this.problems);
		for (Map.Entry<String, Long> entry : committed.entrySet()) {
			long seen = this.latest.getOrDefault(entry.getKey(), -1L) + 1;
			if (seen < entry.getValue()) {
				missing += entry.getValue() - seen;
				if (all.size() < 20) {
					all.add("key " + entry.getKey() + " received up to " + (seen - 1) + " of " + (entry.getValue() - 1));
				}
			}
		}
		long delivered = this.latest.values().stream().mapToLong((last) -> last + 1).sum();
		return new Report(this.received, delivered, this.duplicates, this.regressions, this.gaps, missing, all);
	}

	/**
	 * Returns how many distinct records of a key have been seen in order.
	 * @param key the key
	 * @return the count
	 */
	public long delivered(String key) {
		return this.latest.getOrDefault(key, -1L) + 1;
	}

	private void problem(String message) {
		if (this.problems.size() < 20) {
			this.problems.add(message);
		}
	}

	/**
	 * The outcome of a check.
	 *
	 * @param received records consumed, duplicates included
	 * @param delivered distinct records delivered in order
	 * @param duplicates records that repeated the latest record of their key
	 * @param regressions records that made their key go backwards
	 * @param gaps records that skipped ahead of their key's next sequence
	 * @param missing committed records never delivered
	 * @param problems the first problems found, for the failure message
	 */
	public record Report(long received, long delivered, long duplicates, long regressions, long gaps, long missing,
			List<String> problems) {

		/**
		 * Whether nothing was lost or reordered.
		 * @return {@code true} when the promises held
		 */
		public boolean isClean() {
			return this.regressions == 0 && this.gaps == 0 && this.missing == 0;
		}

		@Override
		public String toString() {
			return "received=" + this.received + ", delivered=" + this.delivered + ", duplicates=" + this.duplicates
					+ ", regressions=" + this.regressions + ", gaps=" + this.gaps + ", missing=" + this.missing
					+ (this.problems.isEmpty() ? "" : ", problems=" + this.problems);
		}

	}

}
