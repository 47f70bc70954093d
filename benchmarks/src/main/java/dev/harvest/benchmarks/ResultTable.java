package dev.harvest.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders a scenario's results as a Markdown table, one row per case, each cell the median of
 * the runs with the smallest and largest value in brackets; then the parameters, targets and
 * notes of each case.
 */
final class ResultTable {

	private ResultTable() {
	}

	static String render(Scenario scenario, List<CaseResult> cases) {
		List<Metric> columns = scenario.columns();
		List<List<String>> rows = new ArrayList<>();
		List<String> header = new ArrayList<>();
		header.add("case");
		header.add("runs");
		columns.forEach((metric) -> header.add(metric.header()));
		for (CaseResult result : cases) {
			List<String> row = new ArrayList<>();
			row.add(result.name());
			row.add(Integer.toString(result.runs().size()));
			for (Metric metric : columns) {
				row.add(Format.summary(result.summary(metric.key()), metric.decimals()));
			}
			rows.add(row);
		}
		StringBuilder text = new StringBuilder();
		text.append("### ").append(scenario.name()).append("\n\n").append(scenario.description()).append("\n\n");
		text.append(markdown(header, rows));
		text.append('\n');
		for (CaseResult result : cases) {
			text.append("- ").append(result.name()).append(": ").append(parameters(result.parameters())).append('\n');
			for (Target target : result.targets()) {
				text.append("  - target ").append(target.describe(result.summary(target.metric()))).append('\n');
			}
			for (String note : result.notes()) {
				text.append("  - ").append(note).append('\n');
			}
		}
		return text.toString();
	}

	static String parameters(Map<String, Object> parameters) {
		return parameters.entrySet()
			.stream()
			.map((entry) -> entry.getKey() + "=" + entry.getValue())
			.collect(Collectors.joining(", "));
	}

	private static String markdown(List<String> header, List<List<String>> rows) {
		int[] widths = new int[header.size()];
		for (int i = 0; i < header.size(); i++) {
			widths[i] = header.get(i).length();
			for (List<String> row : rows) {
				widths[i] = Math.max(widths[i], row.get(i).length());
			}
		}
		StringBuilder text = new StringBuilder();
		line(text, header, widths);
		text.append('|');
		for (int i = 0; i < widths.length; i++) {
			text.append(i == 0 ? ":" : "-").append("-".repeat(widths[i])).append(i == 0 ? "-|" : ":|");
		}
		text.append('\n');
		rows.forEach((row) -> line(text, row, widths));
		return text.toString();
	}

	private static void line(StringBuilder text, List<String> cells, int[] widths) {
		text.append('|');
		for (int i = 0; i < cells.size(); i++) {
			String cell = cells.get(i);
			String padding = " ".repeat(widths[i] - cell.length());
			text.append(' ').append(i == 0 ? cell + padding : padding + cell).append(" |");
		}
		text.append('\n');
	}

}
