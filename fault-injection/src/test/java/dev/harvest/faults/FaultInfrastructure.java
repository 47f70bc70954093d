package dev.harvest.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import dev.harvest.outbox.test.EmbeddedKafkaServer;
import dev.harvest.outbox.test.EmbeddedPostgresServer;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * The servers the fault suite controls: an embedded PostgreSQL that harvesters and writers
 * reach through one proxy, and an embedded Kafka broker with one listener per harvester slot,
 * each advertised at the port of that slot's own proxy. A harvester started in a slot
 * bootstraps through its proxy and the broker's metadata sends it back there, so cutting one
 * proxy cuts exactly one process off from Kafka, while the suite's own clients use the broker's
 * ordinary listener.
 */
final class FaultInfrastructure implements AutoCloseable {

	/** Harvester processes that can run at the same time, each with its own path to Kafka. */
	static final int SLOTS = 3;

	private static final Log logger = LogFactory.getLog(FaultInfrastructure.class);

	private final EmbeddedPostgresServer postgres;

	private final TcpProxy databaseProxy;

	private final EmbeddedKafkaServer kafka;

	private final List<TcpProxy> kafkaProxies;

	private FaultInfrastructure(EmbeddedPostgresServer postgres, TcpProxy databaseProxy, EmbeddedKafkaServer kafka,
			List<TcpProxy> kafkaProxies) {
		this.postgres = postgres;
		this.databaseProxy = databaseProxy;
		this.kafka = kafka;
		this.kafkaProxies = kafkaProxies;
	}

	/**
	 * Starts PostgreSQL, the broker and the proxies.
	 * @return the running infrastructure
	 */
	static FaultInfrastructure start() {
		List<AutoCloseable> started = new ArrayList<>();
		try {
			EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start();
			started.add(postgres);
			TcpProxy databaseProxy = TcpProxy.open("postgres").upstream(postgres.port());
			started.add(databaseProxy);
			List<TcpProxy> kafkaProxies = new ArrayList<>();
			for (int slot = 0; slot < SLOTS; slot++) {
				TcpProxy proxy = TcpProxy.open("kafka-" + slot);
				started.add(proxy);
				kafkaProxies.add(proxy);
			}
			EmbeddedKafkaServer kafka = EmbeddedKafkaServer.start(listeners(kafkaProxies));
			started.add(kafka);
			for (int slot = 0; slot < SLOTS; slot++) {
				kafkaProxies.get(slot).upstream(kafka.boundPort(listener(slot)));
			}
			logger.info("Fault infrastructure: PostgreSQL on port " + postgres.port() + " (proxy " + databaseProxy.port()
					+ "), Kafka at " + kafka.bootstrapServers() + " (harvester proxies "
					+ kafkaProxies.stream().map((proxy) -> Integer.toString(proxy.port())).collect(Collectors.joining(", "))
					+ ")");
			return new FaultInfrastructure(postgres, databaseProxy, kafka, List.copyOf(kafkaProxies));
		}
		catch (RuntimeException ex) {
			Collections.reverse(started);
			started.forEach(FaultInfrastructure::closeQuietly);
			throw ex;
		}
	}

	private static Map<String, String> listeners(List<TcpProxy> proxies) {
		// The test kit's own listeners keep port 0 (it binds them itself); the advertised port 0
		// of the external listener becomes its bound port.
		String slots = IntStream.range(0, SLOTS).mapToObj(FaultInfrastructure::listener).collect(Collectors.joining(","));
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0,"
				+ IntStream.range(0, SLOTS).mapToObj((slot) -> listener(slot) + "://127.0.0.1:0")
					.collect(Collectors.joining(",")));
		properties.put("advertised.listeners", "EXTERNAL://localhost:0,"
				+ IntStream.range(0, SLOTS).mapToObj((slot) -> listener(slot) + "://127.0.0.1:" + proxies.get(slot).port())
					.collect(Collectors.joining(",")));
		properties.put("listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,"
				+ List.of(slots.split(",")).stream().map((name) -> name + ":PLAINTEXT").collect(Collectors.joining(",")));
		return properties;
	}

	private static String listener(int slot) {
		return "SLOT" + slot;
	}

	/**
	 * Returns Kafka's address for the suite's own clients, which no proxy stands in front of.
	 * @return the bootstrap servers
	 */
	String bootstrapServers() {
		return this.kafka.bootstrapServers();
	}

	/**
	 * Returns the Kafka address of the harvester in a slot: its own proxy.
	 * @param slot the slot
	 * @return the bootstrap servers
	 */
	String bootstrapServers(int slot) {
		return "127.0.0.1:" + kafkaProxy(slot).port();
	}

	TcpProxy kafkaProxy(int slot) {
		return this.kafkaProxies.get(slot);
	}

	List<TcpProxy> kafkaProxies() {
		return this.kafkaProxies;
	}

	TcpProxy databaseProxy() {
		return this.databaseProxy;
	}

	/**
	 * Creates a schema of its own, reachable directly and through the database proxy.
	 * @return the database
	 */
	FaultDatabase newDatabase() {
		TestDatabase direct = TestDatabase.create(this.postgres.jdbcUrl("postgres"), "postgres", "");
		String proxied = "jdbc:postgresql://127.0.0.1:" + this.databaseProxy.port() + "/postgres?currentSchema="
				+ direct.schema();
		return new FaultDatabase(direct, new TestDatabase(direct.schema(), proxied, direct.username(),
				direct.password()));
	}

	/**
	 * Creates a topic with a unique name.
	 * @param prefix the start of the name
	 * @param partitions the number of partitions
	 * @param configs topic settings
	 * @return the topic name
	 */
	String newTopic(String prefix, int partitions, Map<String, String> configs) {
		String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
		try (Admin admin = admin()) {
			admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
				.all()
				.get(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not create topic " + name, ex);
		}
		return name;
	}

	/**
	 * Creates an admin client on the suite's own listener; the caller closes it.
	 * @return the admin client
	 */
	Admin admin() {
		return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
				AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
	}

	/**
	 * Restores every proxy, so that the next scenario starts with a healthy network.
	 */
	void restoreAll() {
		this.databaseProxy.restore();
		this.kafkaProxies.forEach(TcpProxy::restore);
	}

	@Override
	public void close() {
		List<AutoCloseable> resources = new ArrayList<>(this.kafkaProxies);
		resources.add(this.kafka);
		resources.add(this.databaseProxy);
		resources.add(this.postgres);
		resources.forEach(FaultInfrastructure::closeQuietly);
	}

	private static void closeQuietly(AutoCloseable resource) {
		try {
			resource.close();
		}
		catch (Exception ex) {
			logger.warn("Could not stop " + resource, ex);
		}
	}

	/**
	 * A schema of the suite's database, as the harvesters and writers reach it (through the
	 * proxy) and as the checks reach it (directly, unaffected by faults).
	 *
	 * @param direct the schema without the proxy
	 * @param proxied the schema through the proxy
	 */
	record FaultDatabase(TestDatabase direct, TestDatabase proxied) {
	}

}
