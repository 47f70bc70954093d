package dev.harvest.benchmarks;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

import javax.sql.DataSource;

import dev.harvest.benchmarks.StatementTimings.Kind;

/**
 * A {@link DataSource} that times the prepared statements run through it and their commits,
 * by kind, so that a run can tell how much of its time the database took. Unwrapping reaches
 * the real connection, so that PostgreSQL's notification API still works.
 */
final class TimedDataSource implements DataSource {

	private final DataSource target;

	private final StatementTimings timings;

	TimedDataSource(DataSource target, StatementTimings timings) {
		this.target = target;
		this.timings = timings;
	}

	@Override
	public Connection getConnection() throws SQLException {
		return wrap(this.target.getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return wrap(this.target.getConnection(username, password));
	}

	private Connection wrap(Connection connection) {
		return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
				new ConnectionHandler(connection, this.timings));
	}

	@Override
	public PrintWriter getLogWriter() throws SQLException {
		return this.target.getLogWriter();
	}

	@Override
	public void setLogWriter(PrintWriter out) throws SQLException {
		this.target.setLogWriter(out);
	}

	@Override
	public void setLoginTimeout(int seconds) throws SQLException {
		this.target.setLoginTimeout(seconds);
	}

	@Override
	public int getLoginTimeout() throws SQLException {
		return this.target.getLoginTimeout();
	}

	@Override
	public Logger getParentLogger() throws SQLFeatureNotSupportedException {
		return this.target.getParentLogger();
	}

	@Override
	public <T> T unwrap(Class<T> type) throws SQLException {
		return type.isInstance(this.target) ? type.cast(this.target) : this.target.unwrap(type);
	}

	@Override
	public boolean isWrapperFor(Class<?> type) throws SQLException {
		return type.isInstance(this.target) || this.target.isWrapperFor(type);
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	/**
	 * Times commits, attributing each to the kind of the last statement the connection ran.
	 */
	private static final class ConnectionHandler implements InvocationHandler {

		private final Connection target;

		private final StatementTimings timings;

		private Kind lastKind = Kind.OTHER;

		ConnectionHandler(Connection target, StatementTimings timings) {
			this.target = target;
			this.timings = timings;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			String name = method.getName();
			if (name.equals("prepareStatement") && args != null && args[0] instanceof String sql) {
				Kind kind = Kind.of(sql);
				this.lastKind = kind;
				PreparedStatement statement = (PreparedStatement) TimedDataSource.invoke(this.target, method, args);
				return Proxy.newProxyInstance(TimedDataSource.class.getClassLoader(),
						new Class<?>[] { PreparedStatement.class }, new StatementHandler(statement, kind, this));
			}
			if (name.equals("commit")) {
				long start = System.nanoTime();
				try {
					return TimedDataSource.invoke(this.target, method, args);
				}
				finally {
					this.timings.addToLast(this.lastKind, System.nanoTime() - start);
				}
			}
			if (name.equals("equals")) {
				return proxy == args[0];
			}
			if (name.equals("hashCode")) {
				return System.identityHashCode(proxy);
			}
			return TimedDataSource.invoke(this.target, method, args);
		}

	}

	/**
	 * Times the execution of one prepared statement. A mark statement bounded above by the
	 * cursor (its fourth parameter) is a rescan below the cursor.
	 */
	private static final class StatementHandler implements InvocationHandler {

		private static final int MARK_UP_TO_ID_PARAMETER = 4;

		private final PreparedStatement target;

		private final ConnectionHandler connection;

		private Kind kind;

		StatementHandler(PreparedStatement target, Kind kind, ConnectionHandler connection) {
			this.target = target;
			this.kind = kind;
			this.connection = connection;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			if (this.kind == Kind.MARK && method.getName().equals("setLong")
					&& ((Integer) args[0]) == MARK_UP_TO_ID_PARAMETER && ((Long) args[1]) != Long.MAX_VALUE) {
				this.kind = Kind.RESCAN;
			}
			if (!method.getName().startsWith("execute")) {
				if (method.getName().equals("equals")) {
					return proxy == args[0];
				}
				if (method.getName().equals("hashCode")) {
					return System.identityHashCode(proxy);
				}
				return TimedDataSource.invoke(this.target, method, args);
			}
			this.connection.lastKind = this.kind;
			long start = System.nanoTime();
			try {
				return TimedDataSource.invoke(this.target, method, args);
			}
			finally {
				this.connection.timings.record(this.kind, System.nanoTime() - start);
			}
		}

	}

}
