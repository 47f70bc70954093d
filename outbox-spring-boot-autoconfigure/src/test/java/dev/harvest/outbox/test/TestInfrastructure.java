package dev.harvest.outbox.test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Real PostgreSQL and Kafka for integration tests, started once per JVM and shared. Each is
 * chosen in this order: an address from the environment ({@code HARVEST_TEST_JDBC_URL},
 * {@code HARVEST_TEST_KAFKA_BOOTSTRAP_SERVERS}), Testcontainers when Docker is available,
 * otherwise an embedded server. Tests isolate themselves with {@link #newDatabase()} and
 * {@link #newTopic(String, int)}.
 */
public final class TestInfrastructure {

	/** Environment variable with the JDBC URL of an already running PostgreSQL. */
	public static final String JDBC_URL_VARIABLE = "HARVEST_TEST_JDBC_URL";

	/** Environment variable with the bootstrap servers of an already running Kafka. */
	public static final String KAFKA_VARIABLE = "HARVEST_TEST_KAFKA_BOOTSTRAP_SERVERS";

	private static final Log logger = LogFactory.getLog(TestInfrastructure.class);

	private static volatile TestInfrastructure instance;

	private final Mode databaseMode;

	private final String jdbcUrl;

	private final String username;

	private final String password;

	private final Mode kafkaMode;

	private final String bootstrapServers;

	private final List<AutoCloseable> resources;

	private TestInfrastructure(Mode databaseMode, String jdbcUrl, String username, String password, Mode kafkaMode,
			String bootstrapServers, List<AutoCloseable> resources) {
		this.databaseMode = databaseMode;
		this.jdbcUrl = jdbcUrl;
		this.username = username;
		this.password = password;
		this.kafkaMode = kafkaMode;
		this.bootstrapServers = bootstrapServers;
		this.resources = resources;
	}

	/**
	 * Returns the shared infrastructure, starting it on first use.
	 * @return the infrastructure of this JVM
	 */
	public static TestInfrastructure get() {
		TestInfrastructure current = instance;
		if (current == null) {
			synchronized (TestInfrastructure.class) {
				current = instance;
				if (current == null) {
					current = start();
					instance = current;
					Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "harvest-test-infrastructure-stop"));
				}
			}
		}
		return current;
	}

	private static TestInfrastructure start() {
		List<AutoCloseable> resources = new java.util.ArrayList<>();
		String givenJdbcUrl = blankToNull(System.getenv(JDBC_URL_VARIABLE));
		String givenKafka = blankToNull(System.getenv(KAFKA_VARIABLE));
		boolean docker = (givenJdbcUrl == null || givenKafka == null) && dockerAvailable();

		Mode databaseMode;
		String jdbcUrl;
		String username;
		String password;
		if (givenJdbcUrl != null) {
			databaseMode = Mode.ENVIRONMENT;
			jdbcUrl = givenJdbcUrl;
			username = orDefault(System.getenv("HARVEST_TEST_JDBC_USERNAME"), "postgres");
			password = orDefault(System.getenv("HARVEST_TEST_JDBC_PASSWORD"), "");
		}
		else if (docker) {
			databaseMode = Mode.TESTCONTAINERS;
			PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
			container.start();
			resources.add(container::stop);
			jdbcUrl = container.getJdbcUrl();
			username = container.getUsername();
			password = container.getPassword();
		}
		else {
			databaseMode = Mode.EMBEDDED;
			EmbeddedPostgresServer server = EmbeddedPostgresServer.start();
			resources.add(server);
			jdbcUrl = server.jdbcUrl("postgres");
			username = "postgres";
			password = "";
		}

		Mode kafkaMode;
		String bootstrapServers;
		if (givenKafka != null) {
			kafkaMode = Mode.ENVIRONMENT;
			bootstrapServers = givenKafka;
		}
		else if (docker) {
			kafkaMode = Mode.TESTCONTAINERS;
			// Same broker settings as the embedded one: short sessions and no join delay.
			KafkaContainer container = new KafkaContainer("apache/kafka-native:4.1.1")
				.withEnv("KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS", "1000")
				.withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
			container.start();
			resources.add(container::stop);
			bootstrapServers = container.getBootstrapServers();
		}
		else {
			kafkaMode = Mode.EMBEDDED;
			EmbeddedKafkaServer server = EmbeddedKafkaServer.start();
			resources.add(server);
			bootstrapServers = server.bootstrapServers();
		}
		logger.info("Test infrastructure: PostgreSQL " + describe(databaseMode) + " at " + jdbcUrl + ", Kafka "
				+ describe(kafkaMode) + " at " + bootstrapServers);
		return new TestInfrastructure(databaseMode, jdbcUrl, username, password, kafkaMode, bootstrapServers,
				resources);
	}

	private static String describe(Mode mode) {
		return switch (mode) {
			case ENVIRONMENT -> "from the environment";
			case TESTCONTAINERS -> "in Testcontainers";
			case EMBEDDED -> "embedded";
		};
	}

	private static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (Throwable ex) {
			return false;
		}
	}

	public Mode databaseMode() {
		return this.databaseMode;
	}

	public Mode kafkaMode() {
		return this.kafkaMode;
	}

	/**
	 * Returns the JDBC URL of the shared database (the {@code public} schema).
	 * @return the JDBC URL
	 */
	public String jdbcUrl() {
		return this.jdbcUrl;
	}

	public String username() {
		return this.username;
	}

	public String password() {
		return this.password;
	}

	public String bootstrapServers() {
		return this.bootstrapServers;
	}

	/**
	 * Creates a fresh schema and returns a database whose connections use it by default.
	 * @return a database of one's own
	 */
	public TestDatabase newDatabase() {
		return TestDatabase.create(this.jdbcUrl, this.username, this.password);
	}

	/**
	 * Creates a topic with a unique name.
	 * @param prefix the start of the name
	 * @param partitions the number of partitions
	 * @return the topic name
	 */
	public String newTopic(String prefix, int partitions) {
		String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers))) {
			admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException("Could not create topic " + name, ex);
		}
		return name;
	}

	/**
	 * Returns a unique name for something tests create (a consumer group, a topic that
	 * Harvest itself should create).
	 * @param prefix the start of the name
	 * @return a fresh name
	 */
	public static String uniqueName(String prefix) {
		return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	private void close() {
		List<AutoCloseable> reversed = new java.util.ArrayList<>(this.resources);
		java.util.Collections.reverse(reversed);
		for (AutoCloseable resource : reversed) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				logger.warn("Could not stop test infrastructure", ex);
			}
		}
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

	private static String orDefault(String value, String fallback) {
		return (value != null) ? value : fallback;
	}

	/**
	 * Where a server came from.
	 */
	public enum Mode {

		/** An address given through environment variables. */
		ENVIRONMENT,

		/** A container started through Testcontainers. */
		TESTCONTAINERS,

		/** A server started in or beside this JVM from Maven Central artifacts. */
		EMBEDDED

	}

	/**
	 * A schema of one's own in the shared database.
	 *
	 * @param schema the schema name
	 * @param jdbcUrl a JDBC URL whose connections use the schema by default
	 * @param username the user name
	 * @param password the password
	 */
	public record TestDatabase(String schema, String jdbcUrl, String username, String password) {

		/**
		 * Creates a fresh schema in a database.
		 * @param jdbcUrl the JDBC URL of the database
		 * @param username the user name
		 * @param password the password
		 * @return a database whose connections use the new schema by default
		 */
		public static TestDatabase create(String jdbcUrl, String username, String password) {
			String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
			Properties properties = new Properties();
			properties.setProperty("user", username);
			properties.setProperty("password", password);
			try (Connection connection = java.sql.DriverManager.getConnection(jdbcUrl, properties);
					Statement statement = connection.createStatement()) {
				statement.execute("CREATE SCHEMA " + schema);
			}
			catch (SQLException ex) {
				throw new IllegalStateException("Could not create test schema " + schema, ex);
			}
			String url = jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
			return new TestDatabase(schema, url, username, password);
		}

		/**
		 * Creates a small connection pool for this schema; close it when done.
		 * @return a pooled data source
		 */
		public HikariDataSource createDataSource() {
			return createDataSource(10);
		}

		/**
		 * Creates a connection pool for this schema; close it when done.
		 * @param maximumPoolSize the largest number of connections
		 * @return a pooled data source
		 */
		public HikariDataSource createDataSource(int maximumPoolSize) {
			HikariConfig config = new HikariConfig();
			config.setJdbcUrl(this.jdbcUrl);
			config.setUsername(this.username);
			config.setPassword(this.password);
			config.setMaximumPoolSize(maximumPoolSize);
			config.setMinimumIdle(0);
			config.setPoolName("test-" + this.schema);
			return new HikariDataSource(config);
		}

		/**
		 * Runs SQL statements through a short-lived connection.
		 * @param dataSource the data source to use
		 * @param statements the statements
		 */
		public static void execute(DataSource dataSource, String... statements) {
			try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
				for (String sql : statements) {
					statement.execute(sql);
				}
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
