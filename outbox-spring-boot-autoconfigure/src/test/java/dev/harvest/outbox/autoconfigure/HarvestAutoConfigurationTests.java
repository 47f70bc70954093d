package dev.harvest.outbox.autoconfigure;

import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.backlog.BacklogSettings;
import dev.harvest.outbox.harvest.Config;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.InvalidLimitException;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.PoisonPolicy;
import dev.harvest.outbox.harvest.RetryPolicy;
import dev.harvest.outbox.jdbc.OutboxSchema;
import dev.harvest.outbox.jdbc.OutboxTable;
import dev.harvest.outbox.membership.MembershipView;
import dev.harvest.outbox.stash.JdbcOutboxStasher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link HarvestAutoConfiguration} that need no database or broker.
 */
class HarvestAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, HarvestAutoConfiguration.class,
				HarvestMembershipAutoConfiguration.class, HarvestBacklogAutoConfiguration.class))
		.withUserConfiguration(DataSourceConfiguration.class)
		.withPropertyValues("harvest.enabled=false");

	@Test
	void defaultConfigurationMatchesTheEngineDefaults() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(Config.class).hasSingleBean(OutboxSchema.class);
			Config config = context.getBean(Config.class);
			assertThat(config.limits()).isEqualTo(Limits.defaults());
			assertThat(config.retry()).isEqualTo(RetryPolicy.defaults());
			assertThat(config.outboxTable()).isEqualTo(OutboxTable.of("outbox"));
			assertThat(config.leaderGroupId()).isEqualTo("harvest");
			assertThat(config.leaderTopic()).isEqualTo("harvest.neli");
			assertThat(config.listenForNotifications()).isTrue();
		});
	}

	@Test
	void leaderGroupDefaultsToTheApplicationName() {
		this.contextRunner.withPropertyValues("spring.application.name=orders")
			.run((context) -> assertThat(context.getBean(Config.class).leaderGroupId()).isEqualTo("orders"));
	}

	@Test
	void everyPropertyBinds() {
		this.contextRunner
			.withPropertyValues("harvest.name=node-1", "harvest.outbox-table=app.events",
					"harvest.listen-for-notifications=false", "harvest.leader.group-id=g", "harvest.leader.topic=t",
					"harvest.limits.io-error-backoff=1s", "harvest.limits.poll-duration=2ms",
					"harvest.limits.min-poll-interval=50ms", "harvest.limits.max-poll-interval=2s",
					"harvest.limits.heartbeat-timeout=6s", "harvest.limits.drain-interval=3s",
					"harvest.limits.queue-timeout=40s", "harvest.limits.mark-backoff=5ms",
					"harvest.limits.max-mark-backoff=1s", "harvest.limits.max-in-flight-records=500",
					"harvest.limits.max-queued-records=2000", "harvest.limits.send-concurrency=4",
					"harvest.limits.send-buffer=20", "harvest.limits.mark-query-records=200",
					"harvest.limits.min-metrics-interval=10s", "harvest.limits.drain-timeout=7s",
					"harvest.limits.purge-batch-size=300", "harvest.limits.purge-interval=15ms",
					"harvest.limits.head-rescan-interval=3s", "harvest.retry.initial-backoff=2s",
					"harvest.retry.max-backoff=30s", "harvest.retry.max-attempts-retriable=9",
					"harvest.poison.max-attempts=5", "harvest.poison.policy=park-key")
			.run((context) -> {
				Config config = context.getBean(Config.class);
				assertThat(config.name()).isEqualTo("node-1");
				assertThat(config.outboxTable()).isEqualTo(OutboxTable.of("app.events"));
				assertThat(config.listenForNotifications()).isFalse();
				assertThat(config.leaderGroupId()).isEqualTo("g");
				assertThat(config.leaderTopic()).isEqualTo("t");
				Limits expected = Limits.builder()
					.ioErrorBackoff(Duration.ofSeconds(1))
					.pollDuration(Duration.ofMillis(2))
					.minPollInterval(Duration.ofMillis(50))
					.maxPollInterval(Duration.ofSeconds(2))
					.heartbeatTimeout(Duration.ofSeconds(6))
					.drainInterval(Duration.ofSeconds(3))
					.queueTimeout(Duration.ofSeconds(40))
					.markBackoff(Duration.ofMillis(5))
					.maxMarkBackoff(Duration.ofSeconds(1))
					.maxInFlightRecords(500)
					.maxQueuedRecords(2000)
					.sendConcurrency(4)
					.sendBuffer(20)
					.markQueryRecords(200)
					.minMetricsInterval(Duration.ofSeconds(10))
					.drainTimeout(Duration.ofSeconds(7))
					.purgeBatchSize(300)
					.purgeInterval(Duration.ofMillis(15))
					.headRescanInterval(Duration.ofSeconds(3))
					.build();
				assertThat(config.limits()).isEqualTo(expected);
				assertThat(config.retry()).isEqualTo(
						new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(30), 9, 5, PoisonPolicy.PARK_KEY));
			});
	}

	@Test
	void disabledHarvesterIsNotCreated() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(Harvester.class));
	}

	@Test
	void everyBacklogPropertyBinds() {
		this.contextRunner
			.withPropertyValues("harvest.backlog.sample-interval=3s", "harvest.backlog.window=20",
					"harvest.backlog.count-cap=5000", "harvest.backlog.top-topics=7",
					"harvest.backlog.minimum-complete=0.25", "harvest.backlog.allowed-backlog=10",
					"harvest.backlog.age-warn=1m", "harvest.backlog.age-error=5m",
					"harvest.backlog.renotify-interval=30s")
			.run((context) -> assertThat(context.getBean(BacklogSettings.class))
				.isEqualTo(new BacklogSettings(Duration.ofSeconds(3), 20, 5000, 7, 0.25, 10, Duration.ofMinutes(1),
						Duration.ofMinutes(5), Duration.ofSeconds(30))));
	}

	@Test
	void invalidBacklogPropertyFailsStartupNamingTheProperty() {
		this.contextRunner.withPropertyValues("harvest.backlog.age-warn=5m", "harvest.backlog.age-error=1m")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidLimitException.class)
					.hasMessageContaining("'backlog.ageError' must be greater than ageWarn");
				assertThat(new HarvestConfigurationFailureAnalyzer().analyze(context.getStartupFailure())
					.getDescription()).contains("'harvest.backlog.age-error'");
			});
	}

	@Test
	void leaderRecordsItsMarksTwicePerSampleInterval() {
		assertThat(HarvestAutoConfiguration.markRecordingInterval(BacklogSettings.defaults()))
			.isEqualTo(Duration.ofSeconds(5));
		assertThat(HarvestAutoConfiguration
			.markRecordingInterval(BacklogSettings.defaults().withSampleInterval(Duration.ofNanos(1))))
			.isEqualTo(Duration.ofNanos(1));
	}

	@Test
	void withoutHarvesterThereIsNoBacklogMonitorOrMembershipView() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(BacklogMonitor.class)
			.doesNotHaveBean(MembershipView.class)
			.hasSingleBean(BacklogSettings.class));
	}

	@Test
	void userLimitsBeanBacksOffAndIsUsed() {
		Limits custom = Limits.builder().sendConcurrency(2).build();
		this.contextRunner.withBean(Limits.class, () -> custom).run((context) -> {
			assertThat(context).hasSingleBean(Limits.class);
			assertThat(context.getBean(Config.class).limits()).isSameAs(custom);
		});
	}

	@Test
	void userConfigBeanBacksOff() {
		Config custom = Config.builder().leaderGroupId("mine").build();
		this.contextRunner.withBean(Config.class, () -> custom)
			.run((context) -> assertThat(context.getBean(Config.class)).isSameAs(custom));
	}

	@Test
	void invalidLimitFailsStartupNamingTheField() {
		this.contextRunner.withPropertyValues("harvest.limits.send-concurrency=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidLimitException.class)
				.hasMessageContaining("'sendConcurrency' must be at least 1");
		});
	}

	@Test
	void illegalTableNameFailsStartup() {
		this.contextRunner.withPropertyValues("harvest.outbox-table=outbox;drop")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidLimitException.class)
				.hasMessageContaining("outboxTable"));
	}

	@Test
	void stasherIsRegisteredEvenWhenTheHarvesterIsDisabled() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(OutboxStasher.class)
			.hasSingleBean(JdbcOutboxStasher.class));
	}

	@Test
	void userStasherBacksOff() {
		OutboxStasher custom = JdbcOutboxStasher.builder(new SimpleDriverDataSource()).build();
		this.contextRunner.withBean(OutboxStasher.class, () -> custom)
			.run((context) -> assertThat(context.getBean(OutboxStasher.class)).isSameAs(custom));
	}

	@Configuration(proxyBeanMethods = false)
	static class DataSourceConfiguration {

		@Bean
		DataSource dataSource() {
			// Never connected to: these tests create no bean that talks to the database.
			return new SimpleDriverDataSource(new org.postgresql.Driver(), "jdbc:postgresql://127.0.0.1:1/none");
		}

	}

}
