package dev.harvest.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.jspecify.annotations.Nullable;

import dev.harvest.faults.FaultInfrastructure.FaultDatabase;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.test.ReaperProcess;

/**
 * The harvester processes of one scenario: standalone reapers, each in a JVM of its own and in
 * a slot of the {@link FaultInfrastructure} (its own path to Kafka), all reaching the database
 * through its proxy and configured entirely by command-line properties. Knows who leads from
 * the leader epoch table, and who is in the leader group from Kafka.
 */
final class Fleet implements AutoCloseable {

	/** The heartbeat timeout of every harvester; the session timeout is three times as long. */
	static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(2);

	private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
			"-XX:+UseSerialGC", "-XX:-UsePerfData");

	private static final Duration POLL = Duration.ofMillis(50);

	private final FaultInfrastructure infrastructure;

	private final FaultDatabase database;

	private final DataSource direct;

	private final OutboxTable leaderTable;

	private final Path jar;

	private final Path logs;

	private final String scenario;

	private final String group;

	private final ReaperProcess[] processes = new ReaperProcess[FaultInfrastructure.SLOTS];

	private final int[] starts = new int[FaultInfrastructure.SLOTS];

	private final List<ReaperProcess> all = new ArrayList<>();

	Fleet(FaultInfrastructure infrastructure, FaultDatabase database, DataSource direct, OutboxTable outbox, Path jar,
			Path logs, String scenario) {
		this.infrastructure = infrastructure;
		this.database = database;
		this.direct = direct;
		this.leaderTable = outbox.inSameSchema("harvest_leader");
		this.jar = jar;
		this.logs = logs;
		this.scenario = scenario;
		this.group = "faults-" + scenario + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/**
	 * Starts a harvester in a slot whose previous process, if any, has ended.
	 * @param slot the slot
	 * @return the process
	 */
	ReaperProcess start(int slot) {
		ReaperProcess previous = this.processes[slot];
		if (previous != null && previous.isAlive()) {
			throw new IllegalStateException("Slot " + slot + " still runs " + previous.name());
		}
		String name = this.scenario + "-" + (char) ('a' + slot) + (++this.starts[slot]);
		try {
			ReaperProcess process = ReaperProcess
				.builder(this.jar, name, this.database.proxied(), this.infrastructure.bootstrapServers(slot), this.group)
				.jvmOptions(JVM_OPTIONS.toArray(String[]::new))
				.property("harvest.limits.heartbeat-timeout", HEARTBEAT_TIMEOUT.toMillis() + "ms")
				.property("harvest.limits.max-mark-backoff", "100ms")
				.property("harvest.limits.head-rescan-interval", "500ms")
				.property("harvest.limits.drain-timeout", "5s")
				.property("harvest.retry.initial-backoff", "100ms")
				.property("harvest.retry.max-backoff", "1s")
				.property("harvest.poison.max-attempts", "2")
				.start(this.logs.resolve(name + ".log"));
			this.processes[slot] = process;
			this.all.add(process);
			return process;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start harvester " + name, ex);
		}
	}

	ReaperProcess process(int slot) {
		return Objects.requireNonNull(this.processes[slot], () -> "Nothing was started in slot " + slot);
	}

	/**
	 * Returns the slot of a harvester that is running.
	 * @param name the harvester's name
	 * @return the slot
	 */
	int slotOf(String name) {
		for (int slot = 0; slot < this.processes.length; slot++) {
			ReaperProcess process = this.processes[slot];
			if (process != null && process.name().equals(name)) {
				return slot;
			}
		}
		throw new IllegalStateException("No running harvester is called " + name);
	}

	String group() {
		return this.group;
	}

	/**
	 * Waits until the epoch table names a leader with an epoch above {@code epoch}.
	 * @param epoch the epoch to get past, 0 for any leader
	 * @param timeout the longest wait
	 * @return the leader
	 */
	Leader awaitLeader(long epoch, Duration timeout) {
		return poll(timeout, "a leader with an epoch above " + epoch, () -> {
			Leader leader = leader();
			return (leader != null && leader.epoch() > epoch) ? leader : null;
		});
	}

	/**
	 * Reads the leader from the epoch table.
	 * @return the last leader to take an epoch, or {@code null} before the first
	 */
	@Nullable Leader leader() {
		try (Connection connection = this.direct.getConnection();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT leader_name, epoch FROM " + this.leaderTable.sql() + " WHERE group_id = ?")) {
			statement.setString(1, this.group);
			try (ResultSet result = statement.executeQuery()) {
				return result.next() ? new Leader(result.getString(1), result.getLong(2)) : null;
			}
		}
		catch (SQLException ex) {
			if ("42P01".equals(ex.getSQLState())) {
				// the first harvester has not created the table yet
				return null;
			}
			throw new IllegalStateException("Could not read " + this.leaderTable, ex);
		}
	}

	/**
	 * Waits until the leader group has exactly {@code count} members.
	 * @param count the number of members
	 * @param timeout the longest wait
	 */
	void awaitMembers(int count, Duration timeout) {
		try (Admin admin = this.infrastructure.admin()) {
			poll(timeout, count + " members in leader group " + this.group, () -> {
				ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(this.group))
					.describedGroups()
					.get(this.group)
					.get(10, TimeUnit.SECONDS);
				return (description.members().size() == count) ? Boolean.TRUE : null;
			});
		}
	}

	/**
	 * Waits for a harvester to log that it fenced itself.
	 * @param slot the harvester's slot
	 * @param fromOffset where in its log to start looking
	 * @param timeout the longest wait
	 * @return when it fenced itself, by its log's clock, in milliseconds since the epoch
	 */
	long awaitFenced(int slot, long fromOffset, Duration timeout) {
		ReaperProcess process = process(slot);
		return poll(timeout, process.name() + " fencing itself", () -> fenceLogged(process.log(), fromOffset)
			.orElse(null));
	}

	/**
	 * Returns how long a harvester's log is, to look for later lines only.
	 * @param slot the slot
	 * @return the log's length in bytes
	 */
	long logOffset(int slot) {
		try {
			return Files.size(process(slot).log());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Optional<Long> fenceLogged(Path log, long fromOffset) throws IOException {
		byte[] bytes = Files.readAllBytes(log);
		if (bytes.length <= fromOffset) {
			return Optional.empty();
		}
		String text = new String(bytes, (int) fromOffset, bytes.length - (int) fromOffset, StandardCharsets.UTF_8);
		for (String line : text.split("\n")) {
			if (line.contains("fenced itself")) {
				try {
					return Optional.of(OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant()
						.toEpochMilli());
				}
				catch (DateTimeParseException | StringIndexOutOfBoundsException ex) {
					throw new IllegalStateException("Unexpected log line in " + log + ": " + line, ex);
				}
			}
		}
		return Optional.empty();
	}

	/**
	 * Describes the harvesters' logs, for failure messages.
	 * @return the log files by harvester
	 */
	Map<String, Path> logs() {
		Map<String, Path> logs = new LinkedHashMap<>();
		this.all.forEach((process) -> logs.put(process.name(), process.log()));
		return logs;
	}

	private <T> T poll(Duration timeout, String what, Check<T> check) {
		long deadline = System.nanoTime() + timeout.toNanos();
		Exception last = null;
		while (true) {
			try {
				T value = check.value();
				if (value != null) {
					return value;
				}
			}
			catch (Exception ex) {
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException("Interrupted while waiting for " + what, ex);
				}
				last = ex;
			}
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException("No " + what + " within " + timeout + "; harvester logs: " + logs(), last);
			}
			try {
				TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting for " + what, ex);
			}
		}
	}

	/**
	 * Stops every harvester still running, all at once, and anything they started.
	 */
	@Override
	public void close() {
		for (ReaperProcess process : this.all) {
			if (process.isAlive()) {
				try {
					process.resume();
				}
				catch (IllegalStateException ex) {
					// it ended meanwhile
				}
				process.terminate();
			}
		}
		this.all.forEach(ReaperProcess::close);
	}

	/**
	 * The leader as the epoch table names it.
	 *
	 * @param name the harvester's name
	 * @param epoch its epoch
	 */
	record Leader(String name, long epoch) {
	}

	/**
	 * A condition polled for: a value once it holds, {@code null} until then.
	 */
	@FunctionalInterface
	private interface Check<T> {

		@Nullable T value() throws Exception;

	}

}
