package dev.harvest.outbox.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import dev.harvest.outbox.actuate.HarvestEndpoint;
import dev.harvest.outbox.actuate.HarvestHealthIndicator;
import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.backlog.BacklogReport;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.event.HarvestEvent;
import dev.harvest.outbox.membership.MembershipView;
import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * One application instance with Harvest auto-configured on a real PostgreSQL and Kafka, as a
 * service would run it: its own context, harvester, backlog monitor, membership view,
 * endpoint, health indicator and meters, and the Harvest events it published. Timings are short
 * so that tests see the rules fire within seconds.
 */
final class HarvestInstance implements AutoCloseable {

	private final String name;

	private final AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();

	private HarvestInstance(String name) {
		this.name = name;
	}

	/**
	 * Starts an instance.
	 * @param database the database of the outbox
	 * @param group the leader group
	 * @param name the instance name
	 * @param properties further properties, overriding the short timings
	 * @return the running instance
	 */
	static HarvestInstance start(TestDatabase database, String group, String name, String... properties) {
		HarvestInstance instance = new HarvestInstance(name);
		List<String> values = new ArrayList<>(List.of("spring.datasource.url=" + database.jdbcUrl(),
				"spring.datasource.username=" + database.username(),
				"spring.datasource.password=" + database.password(),
				"spring.datasource.hikari.maximum-pool-size=6",
				"spring.kafka.bootstrap-servers=" + TestInfrastructure.get().bootstrapServers(),
				"management.endpoints.web.exposure.include=health,harvest", "harvest.name=" + name,
				"harvest.leader.group-id=" + group, "harvest.schema.initialize=true",
				"harvest.limits.heartbeat-timeout=2s", "harvest.limits.drain-timeout=2s",
				"harvest.backlog.sample-interval=200ms", "harvest.backlog.window=10",
				"harvest.membership.refresh-interval=250ms", "harvest.membership.coalesce-period=500ms"));
		values.addAll(List.of(properties));
		TestPropertyValues.of(values).applyTo(instance.context);
		instance.context.register(InstanceConfiguration.class);
		try {
			instance.context.refresh();
		}
		catch (RuntimeException ex) {
			instance.context.close();
			throw ex;
		}
		return instance;
	}

	String name() {
		return this.name;
	}

	Harvester harvester() {
		return this.context.getBean(Harvester.class);
	}

	BacklogMonitor monitor() {
		return this.context.getBean(BacklogMonitor.class);
	}

	BacklogReport report() {
		return monitor().report();
	}

	MembershipView members() {
		return this.context.getBean(MembershipView.class);
	}

	HarvestEndpoint endpoint() {
		return this.context.getBean(HarvestEndpoint.class);
	}

	Health health() {
		return this.context.getBean(HarvestHealthIndicator.class).health(true);
	}

	HealthEndpoint healthEndpoint() {
		return this.context.getBean(HealthEndpoint.class);
	}

	MeterRegistry meters() {
		return this.context.getBean(MeterRegistry.class);
	}

	<E extends HarvestEvent> List<E> events(Class<E> type) {
		return this.context.getBean(EventRecorder.class).events.stream()
			.filter(type::isInstance)
			.map(type::cast)
			.toList();
	}

	@Override
	public void close() {
		this.context.close();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
			KafkaAutoConfiguration.class, ApplicationAvailabilityAutoConfiguration.class,
			EndpointAutoConfiguration.class, HealthContributorAutoConfiguration.class,
			HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
			AvailabilityProbesAutoConfiguration.class, MetricsAutoConfiguration.class, HarvestAutoConfiguration.class,
			HarvestMembershipAutoConfiguration.class, HarvestBacklogAutoConfiguration.class,
			HarvestEndpointAutoConfiguration.class, HarvestHealthContributorAutoConfiguration.class,
			HarvestMetricsAutoConfiguration.class })
	static class InstanceConfiguration {

		@Bean
		SimpleMeterRegistry simpleMeterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		EventRecorder eventRecorder() {
			return new EventRecorder();
		}

	}

	/**
	 * Keeps every Harvest event the instance published.
	 */
	static class EventRecorder {

		final List<HarvestEvent> events = new CopyOnWriteArrayList<>();

		@EventListener
		void on(HarvestEvent event) {
			this.events.add(event);
		}

	}

}
