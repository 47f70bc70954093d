package dev.harvest.sample;

import org.springframework.boot.SpringApplication;

/**
 * Runs the sample application in development mode: when no database URL or Kafka bootstrap
 * servers are configured, it starts an embedded PostgreSQL and an embedded Kafka broker.
 * Run it with {@code ./mvnw -pl sample-app spring-boot:test-run}.
 */
public final class TestSampleApplication {

	private TestSampleApplication() {
	}

	public static void main(String[] args) {
		SpringApplication.from(SampleApplication::main)
			.with(DevelopmentServices.class)
			.withAdditionalProfiles("dev")
			.run(args);
	}

}
