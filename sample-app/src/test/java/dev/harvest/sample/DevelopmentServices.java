package dev.harvest.sample;

import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import dev.harvest.outbox.test.EmbeddedKafkaServer;
import dev.harvest.outbox.test.EmbeddedPostgresServer;

/**
 * Development-time services: an embedded PostgreSQL unless {@code spring.datasource.url} is
 * set, and an embedded Kafka broker unless {@code spring.kafka.bootstrap-servers} is set.
 * Both stop when the application context closes.
 */
@TestConfiguration(proxyBeanMethods = false)
public class DevelopmentServices {

	@Bean(destroyMethod = "close")
	@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
	EmbeddedPostgresServer embeddedPostgresServer() {
		return EmbeddedPostgresServer.start();
	}

	@Bean
	@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
	JdbcConnectionDetails embeddedPostgresConnectionDetails(EmbeddedPostgresServer server) {
		return new JdbcConnectionDetails() {

			@Override
			public String getUsername() {
				return "postgres";
			}

			@Override
			public String getPassword() {
				return "";
			}

			@Override
			public String getJdbcUrl() {
				return server.jdbcUrl("postgres");
			}

		};
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnExpression("'${spring.kafka.bootstrap-servers:}'.isEmpty()")
	EmbeddedKafkaServer embeddedKafkaServer() {
		return EmbeddedKafkaServer.start();
	}

	@Bean
	@ConditionalOnExpression("'${spring.kafka.bootstrap-servers:}'.isEmpty()")
	KafkaConnectionDetails embeddedKafkaConnectionDetails(EmbeddedKafkaServer server) {
		return () -> List.of(server.bootstrapServers().split(","));
	}

}
