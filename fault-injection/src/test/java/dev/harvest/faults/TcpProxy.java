package dev.harvest.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy on a loopback port in front of one upstream server, which can be cut off: a cut
 * resets every open connection and refuses new ones until the proxy is restored, as a stopped
 * server or a broken network path would. Each connection is served by two named threads that
 * copy bytes; closing a socket ends them.
 */
final class TcpProxy implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(TcpProxy.class);

	private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

	private static final long REBIND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

	private final String name;

	private final InetAddress loopback = InetAddress.getLoopbackAddress();

	private final int port;

	private final ReentrantLock stateLock = new ReentrantLock();

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private final AtomicInteger connections = new AtomicInteger();

	private volatile int upstreamPort;

	private @Nullable ServerSocket server;

	private boolean closed;

	private TcpProxy(String name, ServerSocket server) {
		this.name = name;
		this.server = server;
		this.port = server.getLocalPort();
	}

	/**
	 * Opens a proxy on a free loopback port; connections are refused until an upstream is set.
	 * @param name the name of the proxy, used in thread names and logs
	 * @return the proxy
	 */
	static TcpProxy open(String name) {
		try {
			TcpProxy proxy = new TcpProxy(name, bind(0));
			proxy.startAccepting();
			return proxy;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not open proxy " + name, ex);
		}
	}

	String name() {
		return this.name;
	}

	int port() {
		return this.port;
	}

	/**
	 * Sets where connections go.
	 * @param upstreamPort the upstream port on the loopback address
	 * @return this proxy
	 */
	TcpProxy upstream(int upstreamPort) {
		this.upstreamPort = upstreamPort;
		return this;
	}

	/**
	 * Resets every open connection and refuses new ones.
	 */
	void cut() {
		this.stateLock.lock();
		try {
			ServerSocket current = this.server;
			this.server = null;
			closeQuietly(current);
			int reset = 0;
			for (Socket socket : this.sockets) {
				reset(socket);
				reset++;
			}
			logger.info("Proxy " + this.name + " cut: " + reset + " socket(s) reset, new connections refused");
		}
		finally {
			this.stateLock.unlock();
		}
	}

	/**
	 * Accepts connections again after a cut.
	 */
	void restore() {
		this.stateLock.lock();
		try {
			if (this.closed || this.server != null) {
				return;
			}
			long deadline = System.nanoTime() + REBIND_TIMEOUT_NANOS;
			while (true) {
				try {
					this.server = bind(this.port);
					break;
				}
				catch (IOException ex) {
					if (System.nanoTime() - deadline > 0) {
						throw new IllegalStateException("Proxy " + this.name + " could not listen on port " + this.port
								+ " again", ex);
					}
					pause(50);
				}
			}
			startAccepting();
			logger.info("Proxy " + this.name + " restored");
		}
		finally {
			this.stateLock.unlock();
		}
	}

	boolean isCut() {
		this.stateLock.lock();
		try {
			return this.server == null;
		}
		finally {
			this.stateLock.unlock();
		}
	}

	private static ServerSocket bind(int port) throws IOException {
		ServerSocket socket = new ServerSocket();
		socket.setReuseAddress(true);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
		return socket;
	}

	private void startAccepting() {
		ServerSocket current = this.server;
		Thread acceptor = new Thread(() -> accept(current), "proxy-" + this.name + "-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	private void accept(@Nullable ServerSocket listening) {
		if (listening == null) {
			return;
		}
		while (!listening.isClosed()) {
			Socket client;
			try {
				client = listening.accept();
			}
			catch (IOException ex) {
				// closed by a cut or by close()
				return;
			}
			connect(client);
		}
	}

	private void connect(Socket client) {
		int upstream = this.upstreamPort;
		Socket server = new Socket();
		try {
			if (upstream == 0) {
				throw new IOException("no upstream yet");
			}
			server.connect(new InetSocketAddress(this.loopback, upstream), CONNECT_TIMEOUT_MILLIS);
			client.setTcpNoDelay(true);
			server.setTcpNoDelay(true);
		}
		catch (IOException ex) {
			reset(client);
			closeQuietly(server);
			return;
		}
		this.stateLock.lock();
		try {
			// A cut that came while connecting must not miss this connection.
			if (this.server == null) {
				reset(client);
				reset(server);
				return;
			}
			this.sockets.add(client);
			this.sockets.add(server);
		}
		finally {
			this.stateLock.unlock();
		}
		int id = this.connections.incrementAndGet();
		pump(client, server, "proxy-" + this.name + "-" + id + "-up");
		pump(server, client, "proxy-" + this.name + "-" + id + "-down");
	}

	private void pump(Socket from, Socket to, String threadName) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[16 * 1024];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int read;
				while ((read = in.read(buffer)) >= 0) {
					out.write(buffer, 0, read);
				}
			}
			catch (IOException ex) {
				// reset, cut or closed
			}
			finally {
				reset(from);
				reset(to);
			}
		}, threadName);
		thread.setDaemon(true);
		thread.start();
	}

	private void reset(Socket socket) {
		this.sockets.remove(socket);
		try {
			// An abortive close: unsent data is dropped and the peer sees a reset.
			socket.setSoLinger(true, 0);
		}
		catch (SocketException ex) {
			// already closed
		}
		closeQuietly(socket);
	}

	private static void closeQuietly(@Nullable AutoCloseable closeable) {
		if (closeable == null) {
			return;
		}
		try {
			closeable.close();
		}
		catch (Exception ex) {
			// nothing more to do
		}
	}

	private static void pause(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

	/**
	 * Closes the proxy and every connection through it.
	 */
	@Override
	public void close() {
		this.stateLock.lock();
		try {
			this.closed = true;
		}
		finally {
			this.stateLock.unlock();
		}
		cut();
	}

}
