package dev.harvest.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the results of a suite into a directory: {@code results.json} (everything),
 * {@code results.csv} (one line per case and metric), {@code timeline.csv} (every sample) and
 * {@code report.html} (the tables and charts of throughput and latency over time).
 */
final class ReportWriter {

	private final Path directory;

	ReportWriter(Path directory) {
		this.directory = directory;
	}

	void write(Map<String, String> environment, Map<Scenario, List<CaseResult>> results, String tables)
			throws IOException {
		Files.createDirectories(this.directory);
		writeJson(environment, results);
		writeCsv(results);
		writeTimeline(results);
		writeHtml(environment, results);
		Files.writeString(this.directory.resolve("results.md"), Environment.format(environment) + "\n" + tables);
	}

	private void writeJson(Map<String, String> environment, Map<Scenario, List<CaseResult>> results)
			throws IOException {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("environment", environment);
		List<Object> scenarios = new ArrayList<>();
		results.forEach((scenario, cases) -> {
			Map<String, Object> entry = new LinkedHashMap<>();
			entry.put("name", scenario.name());
			entry.put("description", scenario.description());
			List<Object> caseEntries = new ArrayList<>();
			for (CaseResult result : cases) {
				caseEntries.add(json(result));
			}
			entry.put("cases", caseEntries);
			scenarios.add(entry);
		});
		root.put("scenarios", scenarios);
		JsonMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
		mapper.writeValue(this.directory.resolve("results.json").toFile(), root);
	}

	private static Map<String, Object> json(CaseResult result) {
		Map<String, Object> entry = new LinkedHashMap<>();
		entry.put("name", result.name());
		entry.put("parameters", result.parameters());
		Map<String, Object> summaries = new LinkedHashMap<>();
		for (Metric metric : result.metrics()) {
			Summary summary = result.summary(metric.key());
			Map<String, Object> values = new LinkedHashMap<>();
			values.put("unit", metric.unit());
			values.put("median", number(summary.median()));
			values.put("min", number(summary.min()));
			values.put("max", number(summary.max()));
			values.put("runs", summary.count());
			summaries.put(metric.key(), values);
		}
		entry.put("summary", summaries);
		List<Object> targets = new ArrayList<>();
		for (Target target : result.targets()) {
			Map<String, Object> values = new LinkedHashMap<>();
			values.put("target", target.description());
			values.put("metric", target.metric());
			values.put("met", target.isMet(result.summary(target.metric())));
			targets.add(values);
		}
		entry.put("targets", targets);
		entry.put("notes", result.notes());
		List<Object> runs = new ArrayList<>();
		for (RunResult run : result.runs()) {
			Map<String, Object> values = new LinkedHashMap<>();
			run.values().forEach((key, value) -> values.put(key, number(value)));
			runs.add(values);
		}
		entry.put("runs", runs);
		return entry;
	}

	private static Object number(double value) {
		return (Double.isNaN(value) || Double.isInfinite(value)) ? null : value;
	}

	private void writeCsv(Map<Scenario, List<CaseResult>> results) throws IOException {
		StringBuilder csv = new StringBuilder("scenario,case,parameters,metric,unit,median,min,max,runs,values\n");
		results.forEach((scenario, cases) -> {
			for (CaseResult result : cases) {
				for (Metric metric : result.metrics()) {
					Summary summary = result.summary(metric.key());
					List<String> values = new ArrayList<>();
					for (RunResult run : result.runs()) {
						values.add(csvNumber(run.values().getOrDefault(metric.key(), Double.NaN)));
					}
					csv.append(String.join(",", csvText(scenario.name()), csvText(result.name()),
							csvText(ResultTable.parameters(result.parameters())), metric.key(), csvText(metric.unit()),
							csvNumber(summary.median()), csvNumber(summary.min()), csvNumber(summary.max()),
							Integer.toString(summary.count()), csvText(String.join(" ", values))))
						.append('\n');
				}
			}
		});
		Files.writeString(this.directory.resolve("results.csv"), csv);
	}

	private void writeTimeline(Map<Scenario, List<CaseResult>> results) throws IOException {
		StringBuilder csv = new StringBuilder("scenario,case,run,seconds,series,value\n");
		results.forEach((scenario, cases) -> {
			for (CaseResult result : cases) {
				for (int run = 0; run < result.runs().size(); run++) {
					Timeline timeline = result.runs().get(run).timeline();
					for (double[] row : timeline.rows()) {
						for (int series = 0; series < timeline.series().size(); series++) {
							csv.append(String.join(",", csvText(scenario.name()), csvText(result.name()),
									Integer.toString(run + 1), csvNumber(row[0]), csvText(timeline.series().get(series)),
									csvNumber(row[series + 1])))
								.append('\n');
						}
					}
				}
			}
		});
		Files.writeString(this.directory.resolve("timeline.csv"), csv);
	}

	private void writeHtml(Map<String, String> environment, Map<Scenario, List<CaseResult>> results)
			throws IOException {
		StringBuilder html = new StringBuilder();
		html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Harvest benchmarks</title>\n")
			.append("<style>body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse}")
			.append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child{text-align:left}")
			.append(".met{color:#2a2}.missed{color:#c22;font-weight:bold}svg{margin:4px 12px 4px 0}</style>\n")
			.append("</head><body>\n<h1>Harvest benchmarks</h1>\n<table>\n");
		environment.forEach((key, value) -> html.append("<tr><td>")
			.append(Html.escape(key))
			.append("</td><td style=\"text-align:left\">")
			.append(Html.escape(value))
			.append("</td></tr>\n"));
		html.append("</table>\n");
		results.forEach((scenario, cases) -> html.append(scenarioHtml(scenario, cases)));
		html.append("</body></html>\n");
		Files.writeString(this.directory.resolve("report.html"), html);
	}

	private static String scenarioHtml(Scenario scenario, List<CaseResult> cases) {
		StringBuilder html = new StringBuilder();
		html.append("<h2>").append(Html.escape(scenario.name())).append("</h2>\n<p>")
			.append(Html.escape(scenario.description()))
			.append("</p>\n<table>\n<tr><th>case</th><th>runs</th>");
		for (Metric metric : scenario.columns()) {
			html.append("<th>").append(Html.escape(metric.header())).append("</th>");
		}
		html.append("</tr>\n");
		for (CaseResult result : cases) {
			html.append("<tr><td>").append(Html.escape(result.name())).append("</td><td>").append(result.runs().size())
				.append("</td>");
			for (Metric metric : scenario.columns()) {
				html.append("<td>")
					.append(Html.escape(Format.summary(result.summary(metric.key()), metric.decimals())))
					.append("</td>");
			}
			html.append("</tr>\n");
		}
		html.append("</table>\n");
		for (CaseResult result : cases) {
			html.append("<h3>").append(Html.escape(scenario.name() + " / " + result.name())).append("</h3>\n<p>")
				.append(Html.escape(ResultTable.parameters(result.parameters())))
				.append("</p>\n");
			for (Target target : result.targets()) {
				boolean met = target.isMet(result.summary(target.metric()));
				html.append("<div class=\"").append(met ? "met" : "missed").append("\">target ")
					.append(Html.escape(target.describe(result.summary(target.metric()))))
					.append("</div>\n");
			}
			for (String note : result.notes()) {
				html.append("<div>").append(Html.escape(note)).append("</div>\n");
			}
			html.append(charts(result));
		}
		return html.toString();
	}

	private static String charts(CaseResult result) {
		if (result.runs().isEmpty() || result.runs().get(0).timeline().isEmpty()) {
			return "";
		}
		StringBuilder html = new StringBuilder("<div>\n");
		List<String> series = result.runs().get(0).timeline().series();
		for (int index = 0; index < series.size(); index++) {
			List<List<double[]>> runs = new ArrayList<>();
			for (RunResult run : result.runs()) {
				List<double[]> points = new ArrayList<>();
				for (double[] row : run.timeline().rows()) {
					points.add(new double[] { row[0], row[index + 1] });
				}
				runs.add(points);
			}
			html.append(SvgChart.lines(series.get(index), runs));
		}
		return html.append("</div>\n").toString();
	}

	private static String csvText(String text) {
		return "\"" + text.replace("\"", "\"\"") + "\"";
	}

	private static String csvNumber(double value) {
		return (Double.isNaN(value) || Double.isInfinite(value)) ? "" : String.format(Locale.ROOT, "%.4f", value);
	}

}
