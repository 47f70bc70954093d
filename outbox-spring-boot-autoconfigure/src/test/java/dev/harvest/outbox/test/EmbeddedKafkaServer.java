package dev.harvest.outbox.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import kafka.server.BrokerServer;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single Kafka broker in KRaft mode (combined broker and controller), run in this JVM from
 * Kafka's own test kit. Its data lives in a directory this class owns and deletes after the
 * broker has stopped, so that stopping in a JVM shutdown hook is clean.
 */
public final class EmbeddedKafkaServer implements AutoCloseable {

	private final KafkaClusterTestKit cluster;

	private final Path directory;

	private EmbeddedKafkaServer(KafkaClusterTestKit cluster, Path directory) {
		this.cluster = cluster;
		this.directory = directory;
	}

	/**
	 * Starts a broker on a free port with settings that suit tests: no initial rebalance
	 * delay and short consumer sessions allowed (group membership matters for leader
	 * election), single-replica internal topics.
	 * @return the running broker
	 */
	public static EmbeddedKafkaServer start() {
		return start(Map.of());
	}

	/**
	 * Starts a broker like {@link #start()}, with broker settings added or replaced, for
	 * example extra {@code listeners}. Settings the test kit derives itself (listeners and
	 * their protocol map) are only derived when not given here.
	 * @param overrides broker settings
	 * @return the running broker
	 */
	public static EmbeddedKafkaServer start(Map<String, String> overrides) {
		Path directory = null;
		try {
			directory = Files.createTempDirectory("harvest-kafka-");
			TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true)
				.setNumBrokerNodes(1)
				.setNumControllerNodes(1)
				.setBaseDirectory(directory)
				.build();
			KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
			Map<String, String> properties = brokerProperties();
			properties.putAll(overrides);
			properties.forEach(builder::setConfigProp);
			KafkaClusterTestKit cluster = builder.build();
			cluster.format();
			cluster.startup();
			cluster.waitForReadyBrokers();
			return new EmbeddedKafkaServer(cluster, directory);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while starting the embedded Kafka broker", ex);
		}
		catch (Exception ex) {
			if (directory != null) {
				deleteRecursively(directory);
			}
			throw new IllegalStateException("Could not start the embedded Kafka broker", ex);
		}
	}

	private static Map<String, String> brokerProperties() {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("group.initial.rebalance.delay.ms", "0");
		properties.put("group.min.session.timeout.ms", "1000");
		properties.put("auto.create.topics.enable", "true");
		properties.put("num.partitions", "1");
		properties.put("offsets.topic.replication.factor", "1");
		properties.put("offsets.topic.num.partitions", "5");
		properties.put("transaction.state.log.replication.factor", "1");
		properties.put("transaction.state.log.min.isr", "1");
		properties.put("share.coordinator.state.topic.replication.factor", "1");
		properties.put("share.coordinator.state.topic.min.isr", "1");
		return properties;
	}

	public String bootstrapServers() {
		return this.cluster.bootstrapServers();
	}

	/**
	 * Returns the port a listener of the broker is bound to, for example one given by
	 * {@link #start(Map)} with port 0.
	 * @param listener the listener name
	 * @return the bound port
	 */
	public int boundPort(String listener) {
		BrokerServer broker = this.cluster.brokers().values().iterator().next();
		return broker.boundPort(ListenerName.normalised(listener));
	}

	@Override
	public void close() {
		try {
			this.cluster.close();
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not stop the embedded Kafka broker", ex);
		}
		finally {
			deleteRecursively(this.directory);
		}
	}

	private static void deleteRecursively(Path path) {
		try (Stream<Path> paths = Files.walk(path)) {
			paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
		}
		catch (IOException ex) {
			// best effort: a temporary directory
		}
	}

}
