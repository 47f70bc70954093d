package dev.harvest.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * The packaged sample application running as the standalone reaper in a JVM of its own: one
 * harvester instance that can be killed with SIGKILL or stopped with SIGTERM.
 */
final class ReaperProcess implements AutoCloseable {

	private final String name;

	private final Process process;

	private final Path log;

	private final CompletableFuture<Long> exitedNanos;

	private ReaperProcess(String name, Process process, Path log) {
		this.name = name;
		this.process = process;
		this.log = log;
		this.exitedNanos = process.onExit().thenApply((ended) -> System.nanoTime());
	}

	/**
	 * Starts a reaper.
	 * @param jar the packaged sample application
	 * @param name the instance name ({@code harvest.name})
	 * @param database the outbox's database
	 * @param bootstrapServers Kafka
	 * @param group the leader group
	 * @param log where its output goes
	 * @return the running process
	 * @throws IOException when it cannot be started
	 */
	static ReaperProcess start(Path jar, String name, TestDatabase database, String bootstrapServers, String group,
			Path log) throws IOException {
		List<String> command = new ArrayList<>(List.of(JavaProcess.javaBinary(), "-jar", jar.toString(),
				"--spring.profiles.active=reaper", "--spring.main.banner-mode=off", "--server.port=0",
				"--spring.datasource.url=" + database.jdbcUrl(), "--spring.datasource.username=" + database.username(),
				"--spring.datasource.password=" + database.password(),
				"--spring.kafka.bootstrap-servers=" + bootstrapServers, "--harvest.name=" + name,
				"--harvest.leader.group-id=" + group));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new ReaperProcess(name, process, log);
	}

	String name() {
		return this.name;
	}

	Path log() {
		return this.log;
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	/**
	 * Kills the JVM at once (SIGKILL): no drain, no leaving the group.
	 */
	void kill() {
		this.process.destroyForcibly();
	}

	/**
	 * Asks the JVM to stop (SIGTERM), which stops the harvester gracefully.
	 */
	void terminate() {
		this.process.destroy();
	}

	/**
	 * Returns when the process ended, as seen by this JVM.
	 * @return the time ({@link System#nanoTime()}), or 0 when it has not ended within 5 seconds
	 */
	long exitedNanos() {
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
	boolean awaitExit(long seconds) {
		try {
			return this.process.waitFor(seconds, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * Stops the process gracefully, or kills it when it does not stop within 30 seconds.
	 */
	@Override
	public void close() {
		if (this.process.isAlive()) {
			this.process.destroy();
			if (!awaitExit(30)) {
				this.process.destroyForcibly();
				awaitExit(10);
			}
		}
	}

}
