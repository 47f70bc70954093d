package dev.harvest.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * The PostgreSQL and Kafka the benchmarks run against, served by an {@link InfrastructureServer}
 * process this class starts and stops; creates the schemas and topics each case works in.
 */
final class Infrastructure implements AutoCloseable {

	private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(5);

	private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

	private final Process process;

	private final Properties addresses;

	private final Path log;

	private Infrastructure(Process process, Properties addresses, Path log) {
		this.process = process;
		this.addresses = addresses;
		this.log = log;
	}

	/**
	 * Starts the servers in a JVM of their own and waits until they accept connections.
	 * @param directory where the server's log and address file go
	 * @return the running infrastructure
	 * @throws IOException when the process cannot be started or fails
	 */
	static Infrastructure start(Path directory) throws IOException {
		Files.createDirectories(directory);
		Path addressFile = directory.resolve("infrastructure.properties");
		Files.deleteIfExists(addressFile);
		Path log = directory.resolve("infrastructure.log");
		List<String> command = new ArrayList<>(List.of(JavaProcess.javaBinary(), "-cp", JavaProcess.classPath(),
				InfrastructureServer.class.getName(), addressFile.toAbsolutePath().toString()));
		Process process = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.redirectInput(ProcessBuilder.Redirect.PIPE)
			.start();
		try {
			long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
			while (!Files.exists(addressFile)) {
				if (!process.isAlive()) {
					throw new IOException("The infrastructure process exited with " + process.exitValue() + "; see "
							+ log);
				}
				if (System.nanoTime() > deadline) {
					throw new IOException("PostgreSQL and Kafka did not start within " + STARTUP_TIMEOUT + "; see " + log);
				}
				Sleep.millis(200);
			}
			Properties addresses = new Properties();
			try (InputStream in = Files.newInputStream(addressFile)) {
				addresses.load(in);
			}
			return new Infrastructure(process, addresses, log);
		}
		catch (IOException | RuntimeException ex) {
			stop(process);
			throw ex;
		}
	}

	String jdbcUrl() {
		return this.addresses.getProperty(InfrastructureServer.JDBC_URL);
	}

	String username() {
		return this.addresses.getProperty(InfrastructureServer.USERNAME);
	}

	String password() {
		return this.addresses.getProperty(InfrastructureServer.PASSWORD);
	}

	String bootstrapServers() {
		return this.addresses.getProperty(InfrastructureServer.BOOTSTRAP_SERVERS);
	}

	/**
	 * Says where the servers come from (the environment, Testcontainers or embedded), as the
	 * tests would.
	 * @return a short description
	 */
	String describe() {
		return "PostgreSQL " + mode(InfrastructureServer.DATABASE_MODE) + " at " + jdbcUrl() + " ("
				+ databaseSettings() + "), Kafka " + mode(InfrastructureServer.KAFKA_MODE) + " at "
				+ bootstrapServers();
	}

	private String mode(String key) {
		return this.addresses.getProperty(key, "?").toLowerCase(Locale.ROOT);
	}

	/**
	 * Returns the server process, whose process tree also holds an embedded PostgreSQL, for
	 * CPU accounting; containers and external servers are not part of it.
	 * @return the process
	 */
	ProcessHandle process() {
		return this.process.toHandle();
	}

	/**
	 * Whether both servers run inside the server process tree, so that its CPU time is theirs.
	 * @return {@code true} for embedded servers
	 */
	boolean serversInProcessTree() {
		return "EMBEDDED".equals(this.addresses.getProperty(InfrastructureServer.DATABASE_MODE))
				&& "EMBEDDED".equals(this.addresses.getProperty(InfrastructureServer.KAFKA_MODE));
	}

	/**
	 * Creates a schema of its own in the shared database.
	 * @param prefix the start of the schema name
	 * @return the database whose connections use that schema
	 */
	TestDatabase newDatabase(String prefix) {
		String schema = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		execute("CREATE SCHEMA " + schema);
		String url = jdbcUrl() + (jdbcUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema;
		return new TestDatabase(schema, url, username(), password());
	}

	void dropDatabase(TestDatabase database) {
		execute("DROP SCHEMA IF EXISTS " + database.schema() + " CASCADE");
	}

	/**
	 * Creates a topic with a unique name.
	 * @param prefix the start of the name
	 * @param partitions the number of partitions
	 * @return the topic name
	 */
	String newTopic(String prefix, int partitions) {
		String name = uniqueName(prefix);
		try (Admin admin = admin()) {
			admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
				.all()
				.get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not create topic " + name, ex);
		}
		return name;
	}

	/**
	 * Deletes topics so that their logs do not fill the disk over a long run; failures are
	 * only reported.
	 * @param topics the topics
	 */
	void deleteTopics(List<String> topics) {
		try (Admin admin = admin()) {
			admin.deleteTopics(topics).all().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			System.err.println("Could not delete topics " + topics + ": " + ex);
		}
	}

	Admin admin() {
		return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
	}

	static String uniqueName(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	Connection connect() throws SQLException {
		return DriverManager.getConnection(jdbcUrl(), username(), password());
	}

	private void execute(String sql) {
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	private String databaseSettings() {
		StringBuilder settings = new StringBuilder();
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			for (String name : List.of("server_version", "fsync", "synchronous_commit", "shared_buffers")) {
				try (ResultSet result = statement.executeQuery("SHOW " + name)) {
					result.next();
					settings.append((settings.length() > 0) ? ", " : "").append(name).append('=').append(result.getString(1));
				}
			}
		}
		catch (SQLException ex) {
			return "settings unknown: " + ex.getMessage();
		}
		return settings.toString();
	}

	/**
	 * Closes the server's standard input, which stops the servers, and waits for it to exit.
	 */
	@Override
	public void close() {
		stop(this.process);
	}

	private static void stop(Process process) {
		try {
			process.getOutputStream().close();
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroy();
				if (!process.waitFor(20, TimeUnit.SECONDS)) {
					process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				}
			}
		}
		catch (IOException ex) {
			process.destroyForcibly();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			process.destroyForcibly();
		}
	}

	Path log() {
		return this.log;
	}

}
