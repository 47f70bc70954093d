package dev.harvest.outbox.harvest;

import java.util.Map;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.jdbc.JdbcOutboxStore;
import dev.harvest.outbox.jdbc.JdbcQuarantineStore;
import dev.harvest.outbox.jdbc.OutboxNotificationListener;
import dev.harvest.outbox.jdbc.OutboxStore;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.jdbc.QuarantineStore;
import dev.harvest.outbox.neli.KafkaLeaderElection;
import dev.harvest.outbox.neli.LeaderElection;
import dev.harvest.outbox.neli.NeliConfig;

/**
 * Creates the PostgreSQL and Kafka implementations a {@link Harvester} runs with in
 * production: the JDBC outbox and quarantine stores, the Kafka leader election and the outbox
 * notification listener.
 */
final class HarvesterComponents {

	private HarvesterComponents() {
	}

	static OutboxStore outboxStore(DataSource dataSource, OutboxTable table) {
		return new JdbcOutboxStore(dataSource, table);
	}

	static QuarantineStore quarantineStore(DataSource dataSource, OutboxTable table) {
		return new JdbcQuarantineStore(dataSource, table);
	}

	static LeaderElection leaderElection(NeliConfig config, Map<String, Object> consumerProperties,
			Map<String, Object> producerProperties) {
		return new KafkaLeaderElection(config, consumerProperties, producerProperties);
	}

	static WakeUpSource notifications(DataSource dataSource, OutboxTable table) {
		return new NotificationListenerWakeUps(dataSource, table);
	}

	/**
	 * Wake-ups from PostgreSQL notifications on the outbox table's channel.
	 */
	private static final class NotificationListenerWakeUps implements WakeUpSource {

		private final DataSource dataSource;

		private final OutboxTable table;

		private volatile @Nullable OutboxNotificationListener listener;

		NotificationListenerWakeUps(DataSource dataSource, OutboxTable table) {
			this.dataSource = dataSource;
			this.table = table;
		}

		@Override
		public void start(Runnable onWakeUp) {
			OutboxNotificationListener created = new OutboxNotificationListener(this.dataSource, this.table,
					onWakeUp);
			this.listener = created;
			created.start();
		}

		@Override
		public void close() {
			OutboxNotificationListener created = this.listener;
			if (created != null) {
				created.close();
			}
		}

	}

}
