package dev.harvest.outbox.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.harvest.outbox.OutboxStasher;
import dev.harvest.outbox.actuate.HarvestEndpoint;
import dev.harvest.outbox.actuate.HarvestHealthIndicator;
import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.QuarantineActions;
import dev.harvest.outbox.harvest.event.HarvestEvent;
import dev.harvest.outbox.harvest.event.KeyHeld;
import dev.harvest.outbox.harvest.event.KeyReleased;
import dev.harvest.outbox.harvest.event.LeaderAcquired;
import dev.harvest.outbox.harvest.event.RecordQuarantined;
import dev.harvest.outbox.jdbc.OutboxTableMissingException;
import dev.harvest.outbox.membership.MembershipView;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for Harvest's auto-configuration against a real PostgreSQL and Kafka.
 */
class HarvestAutoConfigurationIntegrationTests {

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final TestDatabase database = this.infrastructure.newDatabase();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, KafkaAutoConfiguration.class,
				ApplicationAvailabilityAutoConfiguration.class, EndpointAutoConfiguration.class,
				HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class,
				HealthEndpointAutoConfiguration.class, AvailabilityProbesAutoConfiguration.class,
				HarvestAutoConfiguration.class, HarvestMembershipAutoConfiguration.class,
				HarvestBacklogAutoConfiguration.class, HarvestEndpointAutoConfiguration.class,
				HarvestHealthContributorAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=" + this.database.jdbcUrl(),
				"spring.datasource.username=" + this.database.username(),
				"spring.datasource.password=" + this.database.password(),
				"spring.kafka.bootstrap-servers=" + this.infrastructure.bootstrapServers(),
				"harvest.leader.group-id=" + TestInfrastructure.uniqueName("autoconfig"),
				"harvest.limits.heartbeat-timeout=2s", "harvest.limits.drain-timeout=2s",
				"harvest.schema.initialize=true");

	@Test
	void harvesterBecomesLeaderAndPublishesLeaderAcquiredAsApplicationEvent() {
		this.contextRunner.withUserConfiguration(EventRecorder.class).run((context) -> {
			Harvester harvester = context.getBean(Harvester.class);
			await().atMost(Duration.ofSeconds(30)).until(harvester::isLeader);
			EventRecorder recorder = context.getBean(EventRecorder.class);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(recorder.events).anySatisfy((event) -> assertThat(event)
					.isInstanceOfSatisfying(LeaderAcquired.class, (acquired) -> {
						assertThat(acquired.epoch()).isPositive();
						assertThat(acquired.leaderId()).isEqualTo(harvester.leaderId());
					})));
		});
	}

	@Test
	void applicationKafkaBeansStayTheDefaultCandidates() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(KafkaTemplate.class)).isSameAs(context.getBean("kafkaTemplate"));
			assertThat(context.getBean(ProducerFactory.class)).isSameAs(context.getBean("kafkaProducerFactory"));
			assertThat(context.getBean("harvestKafkaTemplate")).isNotSameAs(context.getBean("kafkaTemplate"));
			assertThat(context.getBean("harvestProducerFactory")).isNotSameAs(context.getBean("kafkaProducerFactory"));
		});
	}

	@Test
	void missingOutboxTableFailsStartupWithTheDdl() {
		this.contextRunner.withPropertyValues("harvest.schema.initialize=false").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(OutboxTableMissingException.class);
			FailureAnalysis analysis = new HarvestInfrastructureFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("outbox");
			assertThat(analysis.getAction()).contains("CREATE TABLE").contains("harvest.schema.initialize=true");
		});
	}

	@Test
	void schemaInitializationCreatesTheTables() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			try (var connection = context.getBean(javax.sql.DataSource.class).getConnection();
					var statement = connection.createStatement();
					var result = statement.executeQuery(
							"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
									+ " AND table_name IN ('outbox', 'harvest_leader', 'outbox_quarantine')")) {
				result.next();
				assertThat(result.getInt(1)).isEqualTo(3);
			}
		});
	}

	@Test
	void endpointExistsOnlyWhenExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(HarvestEndpoint.class));
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=harvest").run((context) -> {
			assertThat(context).hasSingleBean(HarvestEndpoint.class);
			HarvestEndpoint.HarvestDescriptor descriptor = context.getBean(HarvestEndpoint.class).harvest();
			assertThat(descriptor.outboxTable()).isEqualTo("outbox");
			assertThat(descriptor.limits().sendConcurrency()).isEqualTo(8);
		});
	}

	@Test
	void healthIndicatorCanBeDisabled() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(HarvestHealthIndicator.class));
		this.contextRunner.withPropertyValues("management.health.harvest.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(HarvestHealthIndicator.class));
	}

	@Test
	void backlogMonitorAndMembershipViewRunOnTheirOwnThreadsAndStopWithTheContext() {
		this.contextRunner.withPropertyValues("harvest.name=wired").run((context) -> {
			assertThat(context).hasSingleBean(BacklogMonitor.class).hasSingleBean(MembershipView.class);
			BacklogMonitor monitor = context.getBean(BacklogMonitor.class);
			MembershipView members = context.getBean(MembershipView.class);
			for (String name : List.of("harvestBacklogMonitorLifecycle", "harvestMembershipViewLifecycle")) {
				SmartLifecycle lifecycle = context.getBean(name, SmartLifecycle.class);
				assertThat(lifecycle.isRunning()).isTrue();
				assertThat(lifecycle.getPhase()).isEqualTo(context.getBean(Harvester.class).getPhase());
			}
			assertThat(members.settings().groupId()).isEqualTo(context.getBean(Harvester.class).config().leaderGroupId());
			assertThat(threadNamed("harvest-backlog-wired")).isTrue();
			assertThat(threadNamed("harvest-members-wired")).isTrue();
			await().atMost(Duration.ofSeconds(30)).until(() -> monitor.report().sampledAt() != null);
		});
		assertThat(threadNamed("harvest-backlog-wired")).isFalse();
		assertThat(threadNamed("harvest-members-wired")).isFalse();
	}

	@Test
	void backlogEvaluatorOffLeavesTheHealthUnknownAndTheBacklogSectionMissing() {
		this.contextRunner
			.withPropertyValues("harvest.backlog.enabled=false", "management.endpoints.web.exposure.include=harvest")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(BacklogMonitor.class).hasSingleBean(MembershipView.class);
				Health health = context.getBean(HarvestHealthIndicator.class).health(true);
				assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
				assertThat(health.getDetails()).containsEntry("backlog", "off");
				HarvestEndpoint endpoint = context.getBean(HarvestEndpoint.class);
				assertThat(endpoint.harvest().backlog()).isNull();
				assertThat(endpoint.section("backlog", null, null, null).getStatus()).isEqualTo(404);
				assertThat(endpoint.section("members", null, null, null).getStatus()).isEqualTo(200);
			});
	}

	@Test
	void membershipViewOffLeavesTheMembersSectionMissing() {
		this.contextRunner
			.withPropertyValues("harvest.membership.enabled=false", "management.endpoints.web.exposure.include=harvest")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(MembershipView.class).hasSingleBean(BacklogMonitor.class);
				HarvestEndpoint endpoint = context.getBean(HarvestEndpoint.class);
				assertThat(endpoint.section("members", null, null, null).getStatus()).isEqualTo(404);
				assertThat(endpoint.section("backlog", null, null, null).getStatus()).isEqualTo(200);
				assertThat(endpoint.section("nothing", null, null, null).getStatus()).isEqualTo(404);
			});
	}

	@Test
	void harvestIndicatorIsInTheOutboxGroupButNotInTheProbes() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=health",
					"management.endpoint.health.probes.enabled=true")
			.run((context) -> {
				HealthEndpoint health = context.getBean(HealthEndpoint.class);
				assertThat(components(health.healthForPath("outbox"))).containsExactly("harvest");
				assertThat(components(health.healthForPath("liveness"))).doesNotContain("harvest");
				assertThat(components(health.healthForPath("readiness"))).doesNotContain("harvest");
				assertThat(components(health.health())).contains("harvest");
			});
	}

	private static Set<String> components(HealthDescriptor descriptor) {
		assertThat(descriptor).isInstanceOf(CompositeHealthDescriptor.class);
		return ((CompositeHealthDescriptor) descriptor).getComponents().keySet();
	}

	private static boolean threadNamed(String name) {
		return Thread.getAllStackTraces().keySet().stream().anyMatch((thread) -> thread.getName().equals(name));
	}

	@Test
	void notifiedStashReachesKafkaWellBeforeTheIdlePoll() {
		String topic = this.infrastructure.newTopic("notify", 1);
		this.contextRunner.withPropertyValues("harvest.stasher.notify=true", "harvest.limits.max-mark-backoff=6s")
			.run((context) -> {
				Harvester harvester = context.getBean(Harvester.class);
				await().atMost(Duration.ofSeconds(30)).until(harvester::isLeader);
				// Let the marker reach its longest idle pause before writing.
				Thread.sleep(7000);
				try (KafkaConsumer<String, String> consumer = consumer(topic)) {
					long start = System.nanoTime();
					new TransactionTemplate(context.getBean(PlatformTransactionManager.class))
						.executeWithoutResult((status) -> context.getBean(OutboxStasher.class).stash(topic, "k", "v"));
					await().atMost(Duration.ofSeconds(3))
						.until(() -> !consumer.poll(Duration.ofMillis(100)).isEmpty());
					assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
				}
			});
	}

	@Test
	void metricsMeasureLatencyAndStatementsWithoutRecordKeys() {
		String topic = this.infrastructure.newTopic("metrics", 1);
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, HarvestMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> {
				Harvester harvester = context.getBean(Harvester.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				await().atMost(Duration.ofSeconds(30)).until(harvester::isLeader);
				new TransactionTemplate(context.getBean(PlatformTransactionManager.class)).executeWithoutResult(
						(status) -> context.getBean(OutboxStasher.class).stash(topic, "secret-key", "v"));
				await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
					assertThat(registry.get("harvest.records.latency").timer().count()).isEqualTo(1);
					assertThat(registry.get("harvest.records.published").functionCounter().count()).isEqualTo(1);
					// The acknowledged row is deleted shortly after, off the send path.
					assertThat(registry.get("harvest.purge").timer().count()).isPositive();
				});
				assertThat(registry.get("harvest.leader").gauge().value()).isEqualTo(1);
				assertThat(registry.get("harvest.mark").timer().count()).isPositive();
				assertThat(registry.getMeters()).allSatisfy((meter) -> assertThat(meter.getId().getTags())
					.noneSatisfy((tag) -> assertThat(tag.getValue()).contains("secret-key")));
			});
	}

	@Test
	void poisonRecordIsCountedQuarantinedAnnouncedAndReleasedThroughTheOperatorActions() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, HarvestMetricsAutoConfiguration.class))
			.withBean(SimpleMeterRegistry.class, SimpleMeterRegistry::new)
			.withUserConfiguration(EventRecorder.class)
			.withPropertyValues("harvest.retry.initial-backoff=50ms", "harvest.retry.max-backoff=100ms")
			.run((context) -> {
				Harvester harvester = context.getBean(Harvester.class);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				await().atMost(Duration.ofSeconds(30)).until(harvester::isLeader);
				// Written with plain SQL: the stasher would refuse the topic name.
				new JdbcTemplate(context.getBean(DataSource.class))
					.update("INSERT INTO outbox (kafka_topic, kafka_key, kafka_value, kafka_header_keys,"
							+ " kafka_header_values) VALUES ('no such topic!', 'k', NULL, '{}', '{}')");
				harvester.wakeUp();
				// The counter exists from the first quarantined row on.
				await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
					assertThat(registry.get("harvest.records.quarantined").tag("policy", "hold_key").counter().count())
						.isOne();
					assertThat(registry.get("harvest.keys.held").gauge().value()).isOne();
				});
				assertThat(registry.get("harvest.records.failed")
					.tag("error.class", "InvalidTopicException")
					.tag("kind", "poison")
					.counter()
					.count()).isEqualTo(3);
				EventRecorder recorder = context.getBean(EventRecorder.class);
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.events)
					.anySatisfy((event) -> assertThat(event).isInstanceOf(RecordQuarantined.class))
					.anySatisfy((event) -> assertThat(event).isInstanceOf(KeyHeld.class)));

				context.getBean(QuarantineActions.class).release("no such topic!", "k");

				assertThat(registry.get("harvest.quarantine.actions").tag("action", "release").functionCounter().count())
					.isOne();
				await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
					assertThat(registry.get("harvest.keys.held").gauge().value()).isZero();
					assertThat(recorder.events).anySatisfy((event) -> assertThat(event).isInstanceOf(KeyReleased.class));
				});
			});
	}

	private KafkaConsumer<String, String> consumer(String topic) {
		KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
				this.infrastructure.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
				TestInfrastructure.uniqueName("check"), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
				new StringDeserializer(), new StringDeserializer());
		consumer.subscribe(List.of(topic));
		return consumer;
	}

	@Configuration(proxyBeanMethods = false)
	static class EventRecorder {

		final List<HarvestEvent> events = new CopyOnWriteArrayList<>();

		@EventListener
		void on(HarvestEvent event) {
			this.events.add(event);
		}

		@Bean
		String eventRecorderMarker() {
			return "events";
		}

	}

}
