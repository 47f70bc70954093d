package dev.harvest.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.kafka.KafkaSenderShard;
import dev.harvest.outbox.stash.JdbcOutboxStasher;
import dev.harvest.outbox.test.OrderChecker;
import dev.harvest.outbox.test.ReaperProcess;
import dev.harvest.outbox.test.TopicReader;

/**
 * Two reapers (the packaged sample application, each in a JVM of its own) harvest one outbox
 * while writers stash at a steady rate; the leader is killed with SIGKILL, or stopped with
 * SIGTERM. Measures the time until a consumer receives the first record published by the new
 * leader, and checks every key's order with {@link OrderChecker}.
 */
final class FailoverScenario implements Scenario {

	private static final int PARTITIONS = 4;

	private static final int KEYS = 100;

	private static final int WRITERS = 4;

	private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

	private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(120);

	private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(90);

	private static final long STEADY_MILLIS = 5_000;

	private static final long AFTER_MILLIS = 5_000;

	static final Metric FAILOVER = new Metric("failover_s", "to first new-leader record s", "s", 2);

	static final Metric ELECTION = new Metric("election_s", "to new epoch s", "s", 2);

	static final Metric OLD_EXIT = new Metric("old_leader_exit_s", "old leader exit s", "s", 2);

	static final Metric COMMITTED = new Metric("committed", "committed", "records", 0);

	static final Metric RECEIVED = new Metric("received", "received", "records", 0);

	static final Metric DUPLICATES = new Metric("duplicates", "dups", "records", 0);

	static final Metric REGRESSIONS = new Metric("regressions", "regressions", "records", 0);

	static final Metric GAPS = new Metric("gaps", "gaps", "records", 0);

	static final Metric MISSING = new Metric("missing", "missing", "records", 0);

	static final Metric LOAD = new Metric("load_average", "load", "1-min load average", 2);

	private static final List<Metric> METRICS = List.of(FAILOVER, ELECTION, OLD_EXIT, COMMITTED, RECEIVED, DUPLICATES,
			REGRESSIONS, GAPS, MISSING, LOAD);

	private static final double SESSION_TIMEOUT_SECONDS = 3 * Limits.DEFAULT_HEARTBEAT_TIMEOUT.toSeconds();

	private final Infrastructure infrastructure;

	private final BenchmarkOptions options;

	private final Path logs;

	FailoverScenario(Infrastructure infrastructure, BenchmarkOptions options, Path logs) {
		this.infrastructure = infrastructure;
		this.options = options;
		this.logs = logs;
	}

	@Override
	public String name() {
		return "failover";
	}

	@Override
	public String description() {
		return "Two reapers (java -jar sample-app.jar --spring.profiles.active=reaper, default limits: heartbeat"
				+ " timeout " + Limits.DEFAULT_HEARTBEAT_TIMEOUT.toSeconds() + " s, session timeout "
				+ (int) SESSION_TIMEOUT_SECONDS + " s) and " + WRITERS + " writers stashing "
				+ this.options.failoverRate() + " rows/s with NOTIFY over " + KEYS + " keys. After "
				+ STEADY_MILLIS / 1000 + " s of steady publishing the leader is killed (SIGKILL) or stopped"
				+ " (SIGTERM). Times run from the signal; the new leader's records are those with a higher"
				+ " outbox-leader-epoch header. Every record is checked per key for duplicates, regressions and gaps.";
	}

	@Override
	public List<Metric> columns() {
		return List.of(FAILOVER, ELECTION, OLD_EXIT, COMMITTED, DUPLICATES, REGRESSIONS, GAPS, MISSING, LOAD);
	}

	@Override
	public void run(CaseRunner cases) {
		Path jar = this.options.sampleJar();
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException("The failover scenario runs the packaged sample application, " + jar
					+ ", which does not exist; build it (./mvnw -pl sample-app -am package -DskipTests) or pass"
					+ " --sample-jar");
		}
		for (boolean kill : List.of(true, false)) {
			Map<String, Object> parameters = new LinkedHashMap<>();
			parameters.put("stop", kill ? "SIGKILL" : "SIGTERM");
			parameters.put("rows/s", this.options.failoverRate());
			parameters.put("writers", WRITERS);
			parameters.put("keys", KEYS);
			parameters.put("partitions", PARTITIONS);
			parameters.put("heartbeat-timeout", Limits.DEFAULT_HEARTBEAT_TIMEOUT.toSeconds() + "s");
			List<Target> targets = new ArrayList<>();
			if (kill) {
				targets.add(Target.atMost(FAILOVER.key(), SESSION_TIMEOUT_SECONDS + 5,
						"kill -9 failover within session timeout + 5 s (" + (int) (SESSION_TIMEOUT_SECONDS + 5) + " s)"));
			}
			else {
				targets.add(Target.atMost(FAILOVER.key(), 5, "graceful failover within 5 s"));
				targets.add(Target.atMost(DUPLICATES.key(), 0, "graceful failover without duplicates"));
			}
			targets.add(Target.atMost(MISSING.key(), 0, "no record lost"));
			targets.add(Target.atMost(REGRESSIONS.key(), 0, "no key goes backwards"));
			String name = kill ? "kill -9 the leader" : "stop the leader gracefully";
			cases.run(name, parameters, METRICS, targets, (run) -> measure(jar, kill, run));
		}
	}

	private RunResult measure(Path jar, boolean kill, int run) throws Exception {
		double load = LoadAverage.oneMinute();
		String group = Infrastructure.uniqueName("bench-failover");
		try (OutboxFixture fixture = OutboxFixture.create(this.infrastructure, PARTITIONS, WRITERS + 2)) {
			JdbcTemplate jdbc = new JdbcTemplate(fixture.dataSource());
			String leaderTable = fixture.table().inSameSchema("harvest_leader").sql();
			String prefix = (kill ? "kill" : "term") + "-run" + run + "-";
			List<ReaperProcess> reapers = new ArrayList<>();
			try {
				for (String name : List.of(prefix + "a", prefix + "b")) {
					reapers.add(ReaperProcess.start(jar, name, fixture.database(),
							this.infrastructure.bootstrapServers(), group, this.logs.resolve("reaper-" + name + ".log")));
				}
				return measure(fixture, jdbc, leaderTable, group, reapers, kill, load);
			}
			finally {
				for (ReaperProcess reaper : reapers) {
					reaper.close();
				}
			}
		}
	}

	private RunResult measure(OutboxFixture fixture, JdbcTemplate jdbc, String leaderTable, String group,
			List<ReaperProcess> reapers, boolean kill, double load) {
		Leader first = awaitLeader(jdbc, leaderTable, group, 0, reapers);
		ReaperProcess leader = reapers.stream().filter((reaper) -> reaper.name().equals(first.name())).findFirst()
			.orElseThrow(() -> new IllegalStateException("Unknown leader " + first.name()));
		Arrivals arrivals = new Arrivals(first.epoch());
		JdbcOutboxStasher stasher = JdbcOutboxStasher.builder(fixture.dataSource())
			.table(fixture.table())
			.notifyHarvester(true)
			.build();
		SteadyWriters writers = new SteadyWriters(fixture.dataSource(), stasher, fixture.topic(), WRITERS,
				this.options.failoverRate(), KEYS, 100, (id, key, sequence, nanos) -> {
				});
		Map<String, Double> values = new LinkedHashMap<>();
		long started = System.nanoTime();
		try (TopicReader reader = TopicReader.start(this.infrastructure.bootstrapServers(), fixture.topic(),
				arrivals::accept)) {
			writers.start();
			try {
				awaitSteady(arrivals, reader);
				long signalled = System.nanoTime();
				long signalledMillis = System.currentTimeMillis();
				if (kill) {
					leader.kill();
				}
				else {
					leader.terminate();
				}
				long deadline = signalled + FAILOVER_TIMEOUT.toNanos();
				while (arrivals.firstNewEpochNanos() == 0 && System.nanoTime() < deadline) {
					reader.check();
					Sleep.millis(10);
				}
				values.put(FAILOVER.key(), (arrivals.firstNewEpochNanos() == 0) ? Double.NaN
						: (arrivals.firstNewEpochNanos() - signalled) / 1e9);
				Leader next = awaitLeader(jdbc, leaderTable, group, first.epoch(), reapers);
				values.put(ELECTION.key(), (next.acquiredMillis() - signalledMillis) / 1e3);
				values.put(OLD_EXIT.key(), leader.awaitExit(30) ? (leader.exitedNanos() - signalled) / 1e9 : Double.NaN);
				Sleep.millis(AFTER_MILLIS);
			}
			finally {
				writers.stop();
			}
			long committed = writers.committed();
			long deadline = System.nanoTime() + DELIVERY_TIMEOUT.toNanos();
			while (arrivals.delivered() < committed && System.nanoTime() < deadline) {
				reader.check();
				Sleep.millis(100);
			}
			// Give late duplicates a moment to show.
			Sleep.millis(1000);
			OrderChecker.Report report = arrivals.report(writers.committedPerKey());
			values.put(COMMITTED.key(), (double) committed);
			values.put(RECEIVED.key(), (double) report.received());
			values.put(DUPLICATES.key(), (double) report.duplicates());
			values.put(REGRESSIONS.key(), (double) report.regressions());
			values.put(GAPS.key(), (double) report.gaps());
			values.put(MISSING.key(), (double) report.missing());
			values.put(LOAD.key(), load);
			System.out.printf(Locale.ROOT, "    first record from the new leader after %.2f s (new epoch after %.2f s);"
					+ " %s%n", values.get(FAILOVER.key()), values.get(ELECTION.key()), report);
			if (writers.failed() > 0) {
				System.out.println("    " + writers.failed() + " writer transactions failed, the last with "
						+ writers.lastFailure());
			}
			return new RunResult(values, arrivals.timeline(started));
		}
		finally {
			writers.stop();
		}
	}

	private void awaitSteady(Arrivals arrivals, TopicReader reader) {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (arrivals.received() == 0) {
			reader.check();
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Nothing was published within " + START_TIMEOUT);
			}
			Sleep.millis(50);
		}
		Sleep.millis(STEADY_MILLIS);
	}

	private static Leader awaitLeader(JdbcTemplate jdbc, String leaderTable, String group, long afterEpoch,
			List<ReaperProcess> reapers) {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			List<Leader> leaders = jdbc.query("SELECT leader_name, epoch, acquired_at FROM " + leaderTable
					+ " WHERE group_id = ?", (row, i) -> new Leader(row.getString(1), row.getLong(2),
							row.getTimestamp(3, java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("UTC")))),
					group);
			if (!leaders.isEmpty() && leaders.get(0).epoch() > afterEpoch) {
				return leaders.get(0);
			}
			if (reapers.stream().noneMatch(ReaperProcess::isAlive)) {
				throw new IllegalStateException("No reaper is running; see " + reapers.get(0).log());
			}
			Sleep.millis(50);
		}
		throw new IllegalStateException("No leader with an epoch above " + afterEpoch + " within " + START_TIMEOUT
				+ "; see " + reapers.get(0).log());
	}

	/**
	 * The leader as recorded in the epoch table.
	 *
	 * @param name the instance name
	 * @param epoch its epoch
	 * @param acquiredAt when it took the epoch, by the database's clock
	 */
	private record Leader(String name, long epoch, Timestamp acquiredAt) {

		long acquiredMillis() {
			return this.acquiredAt.getTime();
		}

	}

	/**
	 * What the consumer received: every record goes through the order checker, the first
	 * record of a newer epoch is timed, and arrivals are counted for the timeline.
	 */
	private static final class Arrivals {

		private final long oldEpoch;

		private final OrderChecker checker = new OrderChecker();

		private final AtomicLong received = new AtomicLong();

		private final AtomicLong firstNewEpoch = new AtomicLong();

		private final List<long[]> times = new ArrayList<>();

		Arrivals(long oldEpoch) {
			this.oldEpoch = oldEpoch;
		}

		void accept(ConsumerRecord<String, byte[]> record, long nanos) {
			long epoch = epoch(record);
			if (epoch > this.oldEpoch) {
				this.firstNewEpoch.compareAndSet(0, nanos);
			}
			synchronized (this) {
				this.checker.accept(record.key(), SteadyWriters.sequence(record.value()));
				this.times.add(new long[] { nanos, epoch });
			}
			this.received.incrementAndGet();
		}

		private static long epoch(ConsumerRecord<String, byte[]> record) {
			Header header = record.headers().lastHeader(KafkaSenderShard.LEADER_EPOCH_HEADER);
			return (header != null) ? Long.parseLong(new String(header.value(), StandardCharsets.UTF_8)) : -1;
		}

		long received() {
			return this.received.get();
		}

		long firstNewEpochNanos() {
			return this.firstNewEpoch.get();
		}

		synchronized long delivered() {
			return this.checker.report(Map.of()).delivered();
		}

		synchronized OrderChecker.Report report(Map<String, Long> committed) {
			return this.checker.report(committed);
		}

		// Records received per quarter second, and the epoch they were published under.
		synchronized Timeline timeline(long started) {
			Timeline timeline = new Timeline("records received/s", "leader epoch");
			long bin = 250_000_000L;
			int index = 0;
			for (long from = started; index < this.times.size(); from += bin) {
				int count = 0;
				long epoch = -1;
				while (index < this.times.size() && this.times.get(index)[0] - (from + bin) < 0) {
					epoch = Math.max(epoch, this.times.get(index)[1]);
					count++;
					index++;
				}
				timeline.add((from + bin - started) / 1e9, count * 4.0, (epoch < 0) ? Double.NaN : epoch);
			}
			return timeline;
		}

	}

}
