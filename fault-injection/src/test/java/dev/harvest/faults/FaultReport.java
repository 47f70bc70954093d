package dev.harvest.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.harvest.faults.Accounting.Figures;
import dev.harvest.faults.Scenario.Result;

/**
 * The suite's figures: one Markdown table row per scenario, printed as each scenario ends and
 * once more, complete, at the end of the run, when it is also written to
 * {@code fault-report.md} beside the harvesters' logs.
 */
final class FaultReport {

	private static final String HEADER = "| scenario | runs | written | rolled back | delivered | held / quarantined"
			+ " | lost | regressions | late former-leader records | duplicates | failover (s) |\n"
			+ "| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | :-- |";

	private final List<Result> results = new ArrayList<>();

	private final long startedNanos = System.nanoTime();

	/**
	 * Adds a scenario's result and prints it.
	 * @param result the result
	 */
	void add(Result result) {
		this.results.add(result);
		System.out.println("Fault scenario finished:\n" + HEADER + "\n" + row(result) + "\n" + details(result));
	}

	/**
	 * Prints the whole table and writes it to a file.
	 */
	void complete() {
		if (this.results.isEmpty()) {
			return;
		}
		Duration elapsed = Duration.ofNanos(System.nanoTime() - this.startedNanos);
		StringBuilder report = new StringBuilder();
		report.append("Fault injection, ").append(LocalDate.now()).append(", ")
			.append(format(elapsed)).append(" in all\n\n");
		report.append(HEADER).append('\n');
		this.results.forEach((result) -> report.append(row(result)).append('\n'));
		report.append('\n');
		this.results.forEach((result) -> report.append("- ").append(result.name()).append(": ")
			.append(result.fault()).append("; failover: ").append(result.failoverMeaning()).append("; ")
			.append(details(result)).append('\n'));
		System.out.println(report);
		Path file = Path.of(System.getProperty("harvest.faults.directory", "target/fault-injection"),
				"fault-report.md");
		try {
			Files.createDirectories(file.getParent());
			Files.writeString(file, report);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static String row(Result result) {
		Figures figures = result.figures();
		String failovers = result.failovers().stream()
			.map((failover) -> String.format(Locale.ROOT, "%.1f", failover.toMillis() / 1000.0))
			.collect(Collectors.joining(", "));
		return "| " + result.name() + " | " + result.repetitions() + " | " + figures.written() + " | "
				+ result.totals().rolledBackRecords() + " | " + figures.delivered() + " | " + figures.held() + " / "
				+ figures.quarantined() + " | " + figures.lost() + " | " + (figures.regressions() + figures.gaps())
				+ " | " + figures.staleEpoch() + " | " + figures.duplicates() + " | " + failovers + " |";
	}

	private static String details(Result result) {
		Figures figures = result.figures();
		return "received " + figures.received() + " records, " + figures.poison() + " poison, "
				+ figures.phantoms() + " never committed, " + figures.staleEpoch() + " discarded by the epoch filter ("
				+ figures.unfilteredOutOfOrder() + " out of order without it), "
				+ result.totals().lateCommits() + " late commits, " + result.totals().failedTransactions()
				+ " failed writer transactions (" + result.totals().inDoubtCommitted() + " committed after all); took "
				+ format(result.elapsed());
	}

	private static String format(Duration duration) {
		return String.format(Locale.ROOT, "%d:%02d", duration.toMinutes(), duration.toSecondsPart());
	}

}
