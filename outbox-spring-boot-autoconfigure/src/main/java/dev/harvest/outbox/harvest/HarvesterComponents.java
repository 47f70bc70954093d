package dev.harvest.outbox.harvest;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.OutboxStore;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.neli.LeaderElection;
import dev.harvest.outbox.neli.NeliConfig;

/**
 * Creates the PostgreSQL and Kafka implementations a {@link Harvester} runs with in
 * production: the JDBC outbox store, the Kafka leader election and the outbox notification
 * listener. They are looked up by class name, so that the engine itself depends only on their
 * interfaces and is built and tested against fakes.
 */
final class HarvesterComponents {

	static final String OUTBOX_STORE = "dev.harvest.outbox.jdbc.JdbcOutboxStore";

	static final String LEADER_ELECTION = "dev.harvest.outbox.neli.KafkaLeaderElection";

	static final String NOTIFICATION_LISTENER = "dev.harvest.outbox.jdbc.OutboxNotificationListener";

	private HarvesterComponents() {
	}

	static OutboxStore outboxStore(DataSource dataSource, OutboxTable table) {
		return instantiate(OUTBOX_STORE, OutboxStore.class, new Class<?>[] { DataSource.class, OutboxTable.class },
				dataSource, table);
	}

	static LeaderElection leaderElection(NeliConfig config, Map<String, Object> consumerProperties,
			Map<String, Object> producerProperties) {
		return instantiate(LEADER_ELECTION, LeaderElection.class,
				new Class<?>[] { NeliConfig.class, Map.class, Map.class }, config, consumerProperties,
				producerProperties);
	}

	static WakeUpSource notifications(DataSource dataSource, OutboxTable table) {
		return new NotificationListenerWakeUps(dataSource, table);
	}

	private static <T> T instantiate(String className, Class<T> type, Class<?>[] parameterTypes, Object... arguments) {
		try {
			Class<?> implementation = Class.forName(className, true, HarvesterComponents.class.getClassLoader());
			Constructor<?> constructor = implementation.getConstructor(parameterTypes);
			return type.cast(constructor.newInstance(arguments));
		}
		catch (InvocationTargetException ex) {
			throw rethrow(ex);
		}
		catch (ReflectiveOperationException | LinkageError ex) {
			throw new IllegalStateException("Harvest cannot create its " + className + ": " + ex, ex);
		}
	}

	private static RuntimeException rethrow(InvocationTargetException ex) {
		Throwable cause = ex.getCause();
		if (cause instanceof RuntimeException runtime) {
			return runtime;
		}
		if (cause instanceof Error error) {
			throw error;
		}
		return new IllegalStateException(cause);
	}

	/**
	 * Adapts the outbox notification listener, created when the marker starts listening so
	 * that constructing a harvester opens no connection.
	 */
	private static final class NotificationListenerWakeUps implements WakeUpSource {

		private final DataSource dataSource;

		private final OutboxTable table;

		private volatile @Nullable Object listener;

		NotificationListenerWakeUps(DataSource dataSource, OutboxTable table) {
			this.dataSource = dataSource;
			this.table = table;
		}

		@Override
		public void start(Runnable onWakeUp) {
			Object created = instantiate(NOTIFICATION_LISTENER, Object.class,
					new Class<?>[] { DataSource.class, OutboxTable.class, Runnable.class }, this.dataSource, this.table,
					onWakeUp);
			this.listener = created;
			invoke(created, "start");
		}

		@Override
		public void close() {
			Object created = this.listener;
			if (created != null) {
				invoke(created, "close");
			}
		}

		private static void invoke(Object target, String methodName) {
			try {
				Method method = target.getClass().getMethod(methodName);
				method.invoke(target);
			}
			catch (InvocationTargetException ex) {
				throw rethrow(ex);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException("Harvest cannot call " + methodName + "() on " + target, ex);
			}
		}

	}

}
