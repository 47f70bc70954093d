package dev.harvest.sample;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the packaged sample application as the standalone reaper, in its own JVM, against a real
 * PostgreSQL and Kafka.
 */
class ReaperIntegrationTests {

	/** goharvest's exact DDL, as shipped with Harvest for compatibility. */
	private static final String GOHARVEST_DDL = "dev/harvest/outbox/jdbc/schema-goharvest.sql";

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final List<Process> processes = new ArrayList<>();

	@AfterEach
	void stopProcesses() throws InterruptedException {
		for (Process process : this.processes) {
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void reaperDrainsRowsInsertedWithPlainSqlIntoGoharvestsTable() throws Exception {
		TestDatabase database = this.infrastructure.newDatabase();
		String topic = this.infrastructure.newTopic("reaper", 3);
		try (HikariDataSource dataSource = database.createDataSource()) {
			JdbcTemplate jdbc = new JdbcTemplate(dataSource);
			jdbc.execute(new String(new ClassPathResource(GOHARVEST_DDL).getInputStream().readAllBytes(),
					StandardCharsets.UTF_8).replace("${outbox}", "outbox"));
			for (int i = 0; i < 50; i++) {
				jdbc.update("INSERT INTO outbox (create_time, kafka_topic, kafka_key, kafka_value, kafka_header_keys,"
						+ " kafka_header_values) VALUES (now(), ?, ?, ?, '{}', '{}')", topic, "k" + (i % 5),
						Integer.toString(i));
			}
			Process reaper = start(database, "--harvest.leader.group-id=" + TestInfrastructure.uniqueName("reaper"));
			Map<String, List<String>> received = new HashMap<>();
			try (KafkaConsumer<String, String> consumer = consumer()) {
				consumer.subscribe(List.of(topic));
				await().atMost(Duration.ofSeconds(90)).until(() -> {
					assertThat(reaper.isAlive()).as("reaper is running").isTrue();
					consumer.poll(Duration.ofMillis(500))
						.forEach((record) -> received.computeIfAbsent(record.key(), (k) -> new ArrayList<>())
							.add(record.value()));
					return received.values().stream().mapToInt(List::size).sum() >= 50;
				});
			}
			for (int k = 0; k < 5; k++) {
				List<String> expected = new ArrayList<>();
				for (int i = k; i < 50; i += 5) {
					expected.add(Integer.toString(i));
				}
				assertThat(received.get("k" + k)).as("key k%d in order", k).isEqualTo(expected);
			}
			await().atMost(Duration.ofSeconds(20))
				.until(() -> jdbc.queryForObject("SELECT count(*) FROM outbox", Integer.class) == 0);
		}
	}

	@Test
	void reaperExitsWithClearMessageWhenOutboxTableIsMissing() throws Exception {
		TestDatabase database = this.infrastructure.newDatabase();
		Process reaper = start(database, "--harvest.leader.group-id=" + TestInfrastructure.uniqueName("reaper"));
		assertThat(reaper.waitFor(90, TimeUnit.SECONDS)).as("reaper exited").isTrue();
		assertThat(reaper.exitValue()).isNotZero();
		String output = Files.readString(output(reaper));
		assertThat(output).contains("outbox").contains("CREATE TABLE").contains("harvest.schema.initialize");
	}

	private Process start(TestDatabase database, String... extra) throws Exception {
		String jar = System.getProperty("harvest.sample.jar", "target/sample-app.jar");
		assertThat(new File(jar)).as("packaged sample application").exists();
		List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", jar, "--spring.profiles.active=reaper",
				"--spring.datasource.url=" + database.jdbcUrl(), "--spring.datasource.username=" + database.username(),
				"--spring.datasource.password=" + database.password(),
				"--spring.kafka.bootstrap-servers=" + this.infrastructure.bootstrapServers(), "--server.port=0",
				"--harvest.limits.heartbeat-timeout=2s"));
		command.addAll(List.of(extra));
		Path log = Files.createTempFile("reaper-", ".log");
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		this.processes.add(process);
		OUTPUTS.put(process, log);
		return process;
	}

	private static final Map<Process, Path> OUTPUTS = new java.util.concurrent.ConcurrentHashMap<>();

	private static Path output(Process process) {
		return OUTPUTS.get(process);
	}

	private static String javaBinary() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private KafkaConsumer<String, String> consumer() {
		return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
				this.infrastructure.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
				TestInfrastructure.uniqueName("reaper-check"), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
				new StringDeserializer(), new StringDeserializer());
	}

}
