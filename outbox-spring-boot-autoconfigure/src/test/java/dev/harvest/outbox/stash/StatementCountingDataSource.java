package dev.harvest.outbox.stash;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A data source that counts the calls made on its prepared statements, so that tests can
 * tell a batch from one statement per record.
 */
final class StatementCountingDataSource extends DelegatingDataSource {

	private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

	StatementCountingDataSource(DataSource target) {
		super(target);
	}

	/**
	 * Returns how often a method was called on prepared statements, for example
	 * {@code executeBatch}.
	 * @param method the method name
	 * @return the number of calls
	 */
	int calls(String method) {
		AtomicInteger count = this.calls.get(method);
		return (count != null) ? count.get() : 0;
	}

	void reset() {
		this.calls.clear();
	}

	@Override
	public Connection getConnection() throws SQLException {
		return wrap(super.getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return wrap(super.getConnection(username, password));
	}

	private Connection wrap(Connection connection) {
		InvocationHandler handler = (proxy, method, args) -> {
			Object result = invoke(connection, method, args);
			if (result instanceof PreparedStatement statement && method.getName().startsWith("prepare")) {
				return countingStatement(statement);
			}
			return result;
		};
		return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
				handler);
	}

	private PreparedStatement countingStatement(PreparedStatement statement) {
		InvocationHandler handler = (proxy, method, args) -> {
			this.calls.computeIfAbsent(method.getName(), (name) -> new AtomicInteger()).incrementAndGet();
			return invoke(statement, method, args);
		};
		return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { PreparedStatement.class }, handler);
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

}
