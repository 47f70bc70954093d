package dev.harvest.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.utils.AppInfoParser;

import org.springframework.boot.SpringBootVersion;
import org.springframework.core.SpringVersion;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Where and with what the suite ran: date, machine, JVM, library versions, the servers and the
 * arguments, printed above the table and stored with the results.
 */
final class Environment {

	private Environment() {
	}

	static Map<String, String> describe(Infrastructure infrastructure, BenchmarkOptions options) {
		Map<String, String> environment = new LinkedHashMap<>();
		environment.put("date",
				OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
		environment.put("machine", Runtime.getRuntime().availableProcessors() + " cores (" + cpuModel() + "), "
				+ Format.number(totalMemoryGigabytes(), 1) + " GB memory, " + System.getProperty("os.name") + " "
				+ System.getProperty("os.version") + " " + System.getProperty("os.arch"));
		environment.put("load average at start", LoadAverage.all());
		environment.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
				+ ", max heap " + Format.number(HeapMeter.maxMegabytes(), 0) + " MB, "
				+ ManagementFactory.getGarbageCollectorMXBeans().get(0).getName().replaceAll(" .*", "") + " GC");
		environment.put("versions", "Harvest " + harvestVersion() + ", Spring Boot " + SpringBootVersion.getVersion()
				+ ", Spring Framework " + SpringVersion.getVersion() + ", Spring Kafka "
				+ KafkaTemplate.class.getPackage().getImplementationVersion() + ", Kafka clients "
				+ AppInfoParser.getVersion() + ", PostgreSQL JDBC " + org.postgresql.util.DriverInfo.DRIVER_VERSION);
		environment.put("servers", infrastructure.describe());
		environment.put("arguments", options.given().isEmpty() ? "(none: defaults)" : String.join(" ",
				options.given().entrySet().stream().map((e) -> "--" + e.getKey() + "=" + e.getValue()).sorted().toList()));
		return environment;
	}

	private static String harvestVersion() {
		try (InputStream in = Environment.class
			.getResourceAsStream("/META-INF/maven/dev.harvest/outbox-spring-boot-autoconfigure/pom.properties")) {
			if (in != null) {
				Properties properties = new Properties();
				properties.load(in);
				return properties.getProperty("version", "?");
			}
		}
		catch (IOException ex) {
			// fall through
		}
		return "?";
	}

	private static String cpuModel() {
		try {
			return Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("unknown CPU");
		}
		catch (IOException ex) {
			return "unknown CPU";
		}
	}

	private static double totalMemoryGigabytes() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
			return os.getTotalMemorySize() / (1024.0 * 1024 * 1024);
		}
		return Double.NaN;
	}

	static String format(Map<String, String> environment) {
		StringBuilder text = new StringBuilder();
		environment.forEach((key, value) -> text.append(String.format(Locale.ROOT, "%-22s %s%n", key + ":", value)));
		return text.toString();
	}

}
