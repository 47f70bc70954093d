package dev.harvest.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.harvest.faults.Accounting.Figures;
import dev.harvest.faults.FaultInfrastructure.FaultDatabase;
import dev.harvest.faults.Fleet.Leader;
import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;

/**
 * One scenario of the fault suite: a fresh outbox (created with the shipped schema script), a
 * ledger, a data topic, a consumer that checks it, harvester processes and writers. The test
 * injects its fault between steady periods; {@link #finish} stops the writers, waits until
 * every committed record is accounted for (bounded) and returns the figures.
 */
final class Scenario implements AutoCloseable {

	/** Longest wait for harvesters to start, join and publish. */
	static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	/** Longest wait for publishing to resume after a fault. */
	static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);

	private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(90);

	private static final Duration LATE_DUPLICATES = Duration.ofSeconds(1);

	private static final int PARTITIONS = 4;

	private static final Log logger = LogFactory.getLog(Scenario.class);

	private final String name;

	private final String fault;

	private final FaultInfrastructure infrastructure;

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final HikariDataSource direct;

	private final Ledger ledger;

	private final String topic;

	private final PublishedLog log;

	private final Fleet fleet;

	private final OutboxWriters writers;

	private final List<Duration> failovers = new ArrayList<>();

	private final long startedNanos = System.nanoTime();

	private int repetitions;

	private Scenario(String name, String fault, FaultInfrastructure infrastructure, Path jar, Path directory,
			Map<String, String> topicConfigs) {
		this.name = name;
		this.fault = fault;
		this.infrastructure = infrastructure;
		try {
			FaultDatabase database = infrastructure.newDatabase();
			this.direct = resource(database.direct().createDataSource(4));
			OutboxTable table = new OutboxTable(database.direct().schema(), "outbox");
			new OutboxSchema(this.direct, table).initialize();
			this.ledger = new Ledger(this.direct, table);
			this.topic = infrastructure.newTopic(name, PARTITIONS, topicConfigs);
			this.log = resource(new PublishedLog(infrastructure.bootstrapServers(), this.topic));
			this.fleet = resource(new Fleet(infrastructure, database, this.direct, table, jar, directory, name));
			OutboxWriters.Settings settings = OutboxWriters.Settings.standard();
			HikariDataSource writerPool = resource(writerPool(database, settings.threads()));
			this.writers = resource(new OutboxWriters(writerPool, this.ledger, table, this.topic, settings,
					name.hashCode()));
		}
		catch (RuntimeException ex) {
			close();
			throw ex;
		}
	}

	/**
	 * Sets up a scenario.
	 * @param infrastructure the servers
	 * @param name a short name, used for the topic, the harvesters and their log directory
	 * @param fault what the scenario injects, for the report
	 * @param topicConfigs settings of the data topic
	 * @return the scenario
	 */
	static Scenario begin(FaultInfrastructure infrastructure, String name, String fault,
			Map<String, String> topicConfigs) {
		Path jar = Path.of(System.getProperty("harvest.sample.jar", "../sample-app/target/sample-app.jar"));
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException("The fault suite runs the packaged sample application " + jar
					+ " as the reaper; build it first (./mvnw -B -pl fault-injection -am verify builds it)");
		}
		Path directory = Path.of(System.getProperty("harvest.faults.directory", "target/fault-injection"), name);
		try {
			Files.createDirectories(directory);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		logger.info("Scenario " + name + " (" + fault + "): harvester logs in " + directory.toAbsolutePath());
		return new Scenario(name, fault, infrastructure, jar, directory, topicConfigs);
	}

	private static HikariDataSource writerPool(FaultDatabase database, int threads) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(database.proxied().jdbcUrl());
		config.setUsername(database.proxied().username());
		config.setPassword(database.proxied().password());
		config.setMaximumPoolSize(threads);
		config.setMinimumIdle(0);
		// Writers meet database faults too; they should fail fast rather than queue up.
		config.setConnectionTimeout(2_000);
		config.setPoolName("fault-writers");
		return new HikariDataSource(config);
	}

	private <T extends AutoCloseable> T resource(T resource) {
		this.resources.add(resource);
		return resource;
	}

	Fleet fleet() {
		return this.fleet;
	}

	OutboxWriters writers() {
		return this.writers;
	}

	PublishedLog log() {
		return this.log;
	}

	Ledger ledger() {
		return this.ledger;
	}

	/**
	 * Starts harvesters, one per slot, and waits until one leads and all have joined.
	 * @param slots the slots
	 */
	void startHarvesters(int... slots) {
		for (int slot : slots) {
			this.fleet.start(slot);
		}
		this.fleet.awaitLeader(0, START_TIMEOUT);
		this.fleet.awaitMembers(slots.length, START_TIMEOUT);
	}

	/**
	 * Starts the writers and waits until records arrive.
	 */
	void startWriting() {
		this.writers.start();
		this.log.awaitOutboxIdAbove(0, System.nanoTime(), START_TIMEOUT);
	}

	/**
	 * Lets records flow for a while.
	 * @param duration how long
	 */
	void steady(Duration duration) {
		pause(duration);
		this.log.check();
	}

	/**
	 * Waits for a leader that is confirmed to lead: the epoch table names the same instance
	 * and epoch a heartbeat timeout apart, and records under that epoch have been published
	 * since. A leader that took an epoch and lost it again at once, as a member coming back
	 * from a fault may, is not one to inject the next fault into.
	 * @return the leader
	 */
	Leader leader() {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (true) {
			Leader named = this.fleet.awaitLeader(0, START_TIMEOUT);
			long records = this.log.records();
			pause(Fleet.HEARTBEAT_TIMEOUT);
			if (named.equals(this.fleet.leader()) && this.log.publishedUnder(named.epoch(), records)) {
				return named;
			}
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException("No confirmed leader within " + START_TIMEOUT + "; the epoch table names "
						+ this.fleet.leader());
			}
		}
	}

	/**
	 * Records one repetition of the fault and how long publishing took to resume.
	 * @param failover the time from the fault (or its end) to the first record that shows
	 * publishing resumed
	 */
	void repeated(Duration failover) {
		this.repetitions++;
		this.failovers.add(failover);
		logger.info("Scenario " + this.name + ", repetition " + this.repetitions + ": publishing resumed after "
				+ failover.toMillis() + " ms");
	}

	/**
	 * Stops the writers, waits until every committed record is accounted for (or the wait
	 * times out), gives late duplicates a moment, and counts.
	 * @param failoverMeaning what the failover times measure, for the report
	 * @return the scenario's result
	 */
	Result finish(String failoverMeaning) {
		OutboxWriters.Totals totals = this.writers.stop();
		long deadline = System.nanoTime() + CONVERGE_TIMEOUT.toNanos();
		Figures figures = count();
		while (figures.lost() > 0 && System.nanoTime() - deadline < 0) {
			pause(Duration.ofMillis(500));
			figures = count();
		}
		pause(LATE_DUPLICATES);
		figures = count();
		Result result = new Result(this.name, this.fault, this.repetitions, totals, figures,
				Collections.unmodifiableList(this.failovers), failoverMeaning,
				Duration.ofNanos(System.nanoTime() - this.startedNanos), this.fleet.logs().toString());
		logger.info("Scenario " + this.name + ": " + result.figures() + "; " + totals);
		this.log.anomalies().forEach((anomaly) -> logger.warn("Scenario " + this.name + ": " + anomaly));
		return result;
	}

	private Figures count() {
		this.log.check();
		return Accounting.count(this.ledger.entries(), this.ledger.outboxIds(), this.ledger.quarantineIds(), this.log,
				this.topic);
	}

	static void pause(Duration duration) {
		try {
			TimeUnit.NANOSECONDS.sleep(duration.toNanos());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	/**
	 * Stops the writers, the harvesters and the consumer, closes the pools and heals the
	 * network, whether or not the scenario got to its end.
	 */
	@Override
	public void close() {
		List<AutoCloseable> reversed = new ArrayList<>(this.resources);
		Collections.reverse(reversed);
		for (AutoCloseable resource : reversed) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				logger.warn("Could not close " + resource, ex);
			}
		}
		this.infrastructure.restoreAll();
	}

	/**
	 * The outcome of a scenario.
	 *
	 * @param name the scenario's short name
	 * @param fault the fault injected
	 * @param repetitions how often it was injected
	 * @param totals what the writers wrote
	 * @param figures what happened to the committed records
	 * @param failovers per repetition, the time until publishing resumed
	 * @param failoverMeaning what the failover times measure
	 * @param elapsed how long the scenario took
	 * @param logs the harvesters' logs
	 */
	record Result(String name, String fault, int repetitions, OutboxWriters.Totals totals, Figures figures,
			List<Duration> failovers, String failoverMeaning, Duration elapsed, @Nullable String logs) {
	}

}
