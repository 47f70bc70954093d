package dev.harvest.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.harvest.faults.PublishedLog.Received;
import dev.harvest.outbox.test.OrderChecker;

/**
 * Accounts for every committed record against Harvest's promises: it was delivered, or it is
 * in the quarantine table, or it is still in the outbox behind an earlier poison record of its
 * key (which is in the outbox or in quarantine itself). Nothing else is acceptable: such a
 * record is lost. This holds whether a poison record is held in memory with its row left in
 * the outbox, or moved to quarantine while its key's later rows wait in the outbox.
 */
final class Accounting {

	private static final int MAX_PROBLEMS = 20;

	private Accounting() {
	}

	/**
	 * Counts what happened to the records of one scenario.
	 * @param entries the committed records, from the ledger
	 * @param outboxIds the ids still in the outbox
	 * @param quarantineIds the ids in the quarantine table
	 * @param log what the data topic received
	 * @param topic the data topic
	 * @return the figures
	 */
	static Figures count(List<Ledger.Entry> entries, Set<Long> outboxIds, Set<Long> quarantineIds, PublishedLog log,
			String topic) {
		Map<String, List<Ledger.Entry>> byKey = new LinkedHashMap<>();
		for (Ledger.Entry entry : entries) {
			byKey.computeIfAbsent(entry.topic() + "\u0000" + entry.key(), (k) -> new ArrayList<>()).add(entry);
		}
		Counter counter = new Counter();
		Map<String, Long> committedOnTopic = new LinkedHashMap<>();
		for (List<Ledger.Entry> records : byKey.values()) {
			records.sort(Comparator.comparingLong(Ledger.Entry::sequence));
			Ledger.Entry first = records.get(0);
			boolean onTopic = first.topic().equals(topic);
			if (onTopic) {
				committedOnTopic.put(first.key(), (long) records.size());
			}
			long delivered = onTopic ? log.delivered(first.key()) : 0;
			long poisonAt = records.stream()
				.filter((entry) -> entry.poison()
						&& (outboxIds.contains(entry.outboxId()) || quarantineIds.contains(entry.outboxId())))
				.mapToLong(Ledger.Entry::sequence)
				.min()
				.orElse(Long.MAX_VALUE);
			for (Ledger.Entry entry : records) {
				counter.poison += entry.poison() ? 1 : 0;
				if (entry.sequence() < delivered) {
					counter.delivered++;
				}
				else if (quarantineIds.contains(entry.outboxId())) {
					counter.quarantined++;
					counter.quarantinedHealthy += entry.poison() ? 0 : 1;
				}
				else if (outboxIds.contains(entry.outboxId()) && poisonAt <= entry.sequence()) {
					counter.held++;
				}
				else {
					counter.lost++;
					counter.problem("lost: " + entry + (outboxIds.contains(entry.outboxId()) ? ", still in the outbox"
							: ", neither in the outbox nor in quarantine"));
				}
			}
		}
		OrderChecker.Report order = log.report(committedOnTopic);
		OrderChecker.Report unfiltered = log.unfilteredReport(committedOnTopic);
		if (order.regressions() + order.gaps() > 0) {
			order.problems().forEach(counter::problem);
		}
		Set<Received> committed = new HashSet<>();
		for (Ledger.Entry entry : entries) {
			if (entry.topic().equals(topic)) {
				committed.add(new Received(entry.key(), entry.sequence(), entry.token()));
			}
		}
		long phantoms = 0;
		for (Received received : log.received()) {
			if (!committed.contains(received)) {
				phantoms++;
				counter.problem("never committed, yet published: " + received);
			}
		}
		return new Figures(entries.size(), counter.delivered, counter.quarantined, counter.held, counter.lost,
				order.regressions(), order.gaps(), order.duplicates(), phantoms, log.staleEpochRecords(),
				unfiltered.regressions() + unfiltered.gaps(),
				counter.poison, counter.quarantinedHealthy, order.received(), List.copyOf(counter.problems));
	}

	private static final class Counter {

		private final List<String> problems = new ArrayList<>();

		private long delivered;

		private long quarantined;

		private long quarantinedHealthy;

		private long held;

		private long lost;

		private long poison;

		void problem(String problem) {
			if (this.problems.size() < MAX_PROBLEMS) {
				this.problems.add(problem);
			}
		}

	}

	/**
	 * What happened to the records of a scenario.
	 *
	 * @param written records committed
	 * @param delivered committed records delivered, in order
	 * @param quarantined committed records in the quarantine table
	 * @param held committed records still in the outbox behind a poison record of their key
	 * @param lost committed records not accounted for
	 * @param regressions records that made their key go back, with the epoch filter
	 * @param gaps records that arrived before an earlier record of their key
	 * @param duplicates records delivered again right after themselves
	 * @param phantoms records published that never committed (rolled back)
	 * @param staleEpoch records the epoch filter discarded: published under an older epoch than an
	 * earlier record of their partition
	 * @param unfilteredOutOfOrder regressions and gaps a consumer without the epoch filter saw
	 * @param poison poison records committed
	 * @param quarantinedHealthy quarantined records that were not poison
	 * @param received records the consumer received, duplicates included
	 * @param problems the first problems found
	 */
	record Figures(long written, long delivered, long quarantined, long held, long lost, long regressions, long gaps,
			long duplicates, long phantoms, long staleEpoch, long unfilteredOutOfOrder, long poison,
			long quarantinedHealthy, long received, List<String> problems) {

		@Override
		public String toString() {
			return "written=" + this.written + ", delivered=" + this.delivered + ", quarantined=" + this.quarantined
					+ ", held=" + this.held + ", lost=" + this.lost + ", regressions=" + this.regressions + ", gaps="
					+ this.gaps + ", duplicates=" + this.duplicates + ", phantoms=" + this.phantoms + ", staleEpoch="
					+ this.staleEpoch + ", unfilteredOutOfOrder=" + this.unfilteredOutOfOrder + ", poison=" + this.poison + ", received=" + this.received
					+ (this.problems.isEmpty() ? "" : ", problems=" + this.problems);
		}

	}

}
