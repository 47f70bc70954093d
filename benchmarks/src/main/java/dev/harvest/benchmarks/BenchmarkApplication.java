package dev.harvest.benchmarks;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs Harvest's benchmark suite against a real PostgreSQL and Kafka, chosen as the
 * integration tests choose them, prints a table and writes CSV, JSON and an HTML report.
 */
public final class BenchmarkApplication {

	private BenchmarkApplication() {
	}

	public static void main(String[] args) throws Exception {
		BenchmarkOptions options;
		try {
			options = BenchmarkOptions.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.exit(2);
			return;
		}
		if (options.help()) {
			System.out.println(BenchmarkOptions.usage());
			return;
		}
		Path output = options.output()
			.resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
		System.out.println("Starting PostgreSQL and Kafka (log: " + output.resolve("infrastructure.log") + ")");
		try (Infrastructure infrastructure = Infrastructure.start(output)) {
			Map<String, String> environment = Environment.describe(infrastructure, options);
			System.out.println(Environment.format(environment));
			Map<Scenario, List<CaseResult>> results = new LinkedHashMap<>();
			for (Scenario scenario : scenarios(options, infrastructure, output)) {
				System.out.println("== " + scenario.name());
				CaseRunner runner = new CaseRunner(scenario, options.runs());
				try {
					scenario.run(runner);
				}
				catch (Exception ex) {
					System.out.println("Scenario " + scenario.name() + " stopped: " + ex);
					ex.printStackTrace(System.out);
				}
				results.put(scenario, runner.results());
			}
			environment.put("load average at end", LoadAverage.all());
			StringBuilder tables = new StringBuilder();
			results.forEach((scenario, cases) -> tables.append(ResultTable.render(scenario, cases)).append('\n'));
			System.out.println();
			System.out.println(Environment.format(environment));
			System.out.println(tables);
			new ReportWriter(output).write(environment, results, tables.toString());
			System.out.println("Results: " + output.toAbsolutePath().normalize() + " (report.html, results.csv,"
					+ " results.json, timeline.csv, results.md)");
		}
	}

	private static List<Scenario> scenarios(BenchmarkOptions options, Infrastructure infrastructure, Path output) {
		DrainRunner drains = new DrainRunner(infrastructure);
		List<Scenario> scenarios = new ArrayList<>();
		for (String name : options.scenarios()) {
			scenarios.add(switch (name) {
				case "drain" -> new DrainScenario(drains, options);
				case "latency" -> new LatencyScenario(infrastructure, options);
				case "stash" -> new StashOverheadScenario(infrastructure, options);
				case "failover" -> new FailoverScenario(infrastructure, options, output);
				case "scaling" -> new ScalingScenario(drains, options);
				default -> throw new IllegalArgumentException("Unknown scenario " + name);
			});
		}
		return scenarios;
	}

}
