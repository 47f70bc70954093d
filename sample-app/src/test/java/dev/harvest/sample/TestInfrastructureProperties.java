package dev.harvest.sample;

import org.springframework.test.context.DynamicPropertyRegistry;

import dev.harvest.outbox.test.TestInfrastructure;
import dev.harvest.outbox.test.TestInfrastructure.TestDatabase;

/**
 * Points the sample application at the shared test PostgreSQL and Kafka, with a database and
 * a leader group of its own.
 */
final class TestInfrastructureProperties {

	private TestInfrastructureProperties() {
	}

	/**
	 * Registers the connection properties and a unique leader group.
	 * @param registry the registry of a {@code @DynamicPropertySource} method
	 * @param database the test's database
	 * @param group the start of the leader group's name
	 */
	static void register(DynamicPropertyRegistry registry, TestDatabase database, String group) {
		TestInfrastructure infrastructure = TestInfrastructure.get();
		registry.add("spring.datasource.url", database::jdbcUrl);
		registry.add("spring.datasource.username", database::username);
		registry.add("spring.datasource.password", database::password);
		registry.add("spring.kafka.bootstrap-servers", infrastructure::bootstrapServers);
		registry.add("harvest.leader.group-id", () -> TestInfrastructure.uniqueName(group));
	}

}
