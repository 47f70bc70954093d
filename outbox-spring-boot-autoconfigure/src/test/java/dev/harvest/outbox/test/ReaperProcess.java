package dev.harvest.outbox.test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * The packaged sample application running as the standalone reaper in a JVM of its own: one
 * harvester instance that can be killed (SIGKILL), stopped gracefully (SIGTERM), or paused and
 * resumed (SIGSTOP, SIGCONT), configured by command-line properties only.
 */
public final class ReaperProcess implements AutoCloseable {

	private static final long SIGNAL_TIMEOUT_SECONDS = 10;

	// Whatever happens to a test, no reaper outlives the JVM that started it.
	private static final Set<Process> running = ConcurrentHashMap.newKeySet();

	static {
		Runtime.getRuntime().addShutdownHook(new Thread(() -> running.forEach((process) -> {
			process.descendants().forEach(ProcessHandle::destroyForcibly);
			process.destroyForcibly();
		}), "reaper-processes-stop"));
	}

	private final String name;

	private final Process process;

	private final Path log;

	private final CompletableFuture<Long> exitedNanos;

	private ReaperProcess(String name, Process process, Path log) {
		this.name = name;
		this.process = process;
		this.log = log;
		this.exitedNanos = process.onExit().thenApply((ended) -> System.nanoTime());
		running.add(process);
		process.onExit().thenRun(() -> running.remove(process));
	}

	/**
	 * Starts a reaper with the harvester's default limits.
	 * @param jar the packaged sample application
	 * @param name the instance name ({@code harvest.name})
	 * @param database the outbox's database
	 * @param bootstrapServers Kafka
	 * @param group the leader group
	 * @param log where its output goes
	 * @return the running process
	 * @throws IOException when it cannot be started
	 */
	public static ReaperProcess start(Path jar, String name, TestDatabase database, String bootstrapServers,
			String group, Path log) throws IOException {
		return builder(jar, name, database, bootstrapServers, group).start(log);
	}

	/**
	 * Describes a reaper to start.
	 * @param jar the packaged sample application
	 * @param name the instance name ({@code harvest.name})
	 * @param database the outbox's database
	 * @param bootstrapServers Kafka
	 * @param group the leader group
	 * @return a builder
	 */
	public static Builder builder(Path jar, String name, TestDatabase database, String bootstrapServers,
			String group) {
		return new Builder(jar, name, database, bootstrapServers, group);
	}

	public String name() {
		return this.name;
	}

	public Path log() {
		return this.log;
	}

	public long pid() {
		return this.process.pid();
	}

	public boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * Kills the JVM at once (SIGKILL): no drain, no leaving the group.
	 */
	public void kill() {
		this.process.destroyForcibly();
	}

	/**
	 * Asks the JVM to stop (SIGTERM), which stops the harvester gracefully.
	 */
	public void terminate() {
		this.process.destroy();
	}

	/**
	 * Freezes the JVM (SIGSTOP), as a long garbage collection pause would.
	 */
	public void pause() {
		signal("STOP");
	}

	/**
	 * Lets a frozen JVM go on (SIGCONT).
	 */
	public void resume() {
		signal("CONT");
	}

	private void signal(String signal) {
		try {
			// Java's Process API sends only SIGTERM and SIGKILL.
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(this.process.pid())).inheritIO()
				.start();
			if (!kill.waitFor(SIGNAL_TIMEOUT_SECONDS, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("Could not send SIG" + signal + " to " + this.name);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not send SIG" + signal + " to " + this.name, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while sending SIG" + signal + " to " + this.name, ex);
		}
	}

	/**
	 * Returns when the process ended, as seen by this JVM.
	 * @return the time ({@link System#nanoTime()}), or 0 when it has not ended within 5 seconds
	 */
	public long exitedNanos() {
		try {
			return this.exitedNanos.get(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return 0;
		}
		catch (ExecutionException | TimeoutException ex) {
			return 0;
		}
	}

	/**
	 * Waits for the process to end.
	 * @param seconds the longest wait
	 * @return whether it ended
	 */
	public boolean awaitExit(long seconds) {
		try {
			return this.process.waitFor(seconds, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Stops the process gracefully, or kills it and anything it started when it does not stop
	 * within 30 seconds. A paused process is resumed first, so that it can stop.
	 */
	@Override
	public void close() {
		if (this.process.isAlive()) {
			signalQuietly("CONT");
			this.process.destroy();
			if (!awaitExit(30)) {
				this.process.destroyForcibly();
				awaitExit(10);
			}
		}
		this.process.descendants().forEach(ProcessHandle::destroyForcibly);
	}

	private void signalQuietly(String signal) {
		try {
			signal(signal);
		}
		catch (IllegalStateException ex) {
			// the process may have ended meanwhile
		}
	}

	/**
	 * A reaper to start: the jar, the JVM options and the properties it is given.
	 */
	public static final class Builder {

		private final Path jar;

		private final String name;

		private final List<String> jvmOptions = new ArrayList<>();

		private final Map<String, String> properties = new LinkedHashMap<>();

		private Builder(Path jar, String name, TestDatabase database, String bootstrapServers, String group) {
			this.jar = jar;
			this.name = name;
			property("spring.profiles.active", "reaper");
			property("spring.main.banner-mode", "off");
			property("server.port", "0");
			property("spring.datasource.url", database.jdbcUrl());
			property("spring.datasource.username", database.username());
			property("spring.datasource.password", database.password());
			property("spring.kafka.bootstrap-servers", bootstrapServers);
			property("harvest.name", name);
			property("harvest.leader.group-id", group);
		}

		/**
		 * Adds options of the JVM, such as its heap size.
		 * @param options the options
		 * @return this builder
		 */
		public Builder jvmOptions(String... options) {
			this.jvmOptions.addAll(List.of(options));
			return this;
		}

		/**
		 * Sets a property, given on the command line as {@code --key=value}.
		 * @param key the property name
		 * @param value its value
		 * @return this builder
		 */
		public Builder property(String key, String value) {
			this.properties.put(key, value);
			return this;
		}

		/**
		 * Starts the process.
		 * @param log where its output goes
		 * @return the running process
		 * @throws IOException when it cannot be started
		 */
		public ReaperProcess start(Path log) throws IOException {
			List<String> command = new ArrayList<>();
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			command.addAll(this.jvmOptions);
			command.addAll(List.of("-jar", this.jar.toString()));
			this.properties.forEach((key, value) -> command.add("--" + key + "=" + value));
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			return new ReaperProcess(this.name, process, log);
		}

	}

}
