package dev.harvest.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

import dev.harvest.outbox.test.TestInfrastructure;

/**
 * Runs PostgreSQL and Kafka exactly as the integration tests choose them, in a JVM of its own,
 * so that the benchmark JVM's CPU time and heap belong to Harvest alone. Writes the addresses
 * to the file given as the only argument and stops the servers when its standard input closes.
 */
public final class InfrastructureServer {

	static final String JDBC_URL = "jdbc.url";

	static final String USERNAME = "jdbc.username";

	static final String PASSWORD = "jdbc.password";

	static final String BOOTSTRAP_SERVERS = "kafka.bootstrap-servers";

	static final String DATABASE_MODE = "database.mode";

	static final String KAFKA_MODE = "kafka.mode";

	private InfrastructureServer() {
	}

	public static void main(String[] args) throws IOException {
		if (args.length != 1) {
			throw new IllegalArgumentException("Usage: InfrastructureServer <address file>");
		}
		Path addressFile = Path.of(args[0]);
		// Registers a shutdown hook that stops the servers when this JVM exits.
		TestInfrastructure infrastructure = TestInfrastructure.get();
		Properties addresses = new Properties();
		addresses.setProperty(JDBC_URL, infrastructure.jdbcUrl());
		addresses.setProperty(USERNAME, infrastructure.username());
		addresses.setProperty(PASSWORD, infrastructure.password());
		addresses.setProperty(BOOTSTRAP_SERVERS, infrastructure.bootstrapServers());
		addresses.setProperty(DATABASE_MODE, infrastructure.databaseMode().name());
		addresses.setProperty(KAFKA_MODE, infrastructure.kafkaMode().name());
		// Written aside and moved, so that the parent never reads a half-written file.
		Path written = addressFile.resolveSibling(addressFile.getFileName() + ".tmp");
		try (OutputStream out = Files.newOutputStream(written)) {
			addresses.store(out, "Harvest benchmark infrastructure");
		}
		Files.move(written, addressFile, StandardCopyOption.ATOMIC_MOVE);
		// The parent holds our standard input open for as long as it needs the servers, and the
		// pipe closes when it exits, however it exits.
		while (System.in.read() != -1) {
			// nothing to read: waiting for the end of the stream
		}
		System.exit(0);
	}

}
