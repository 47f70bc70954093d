package dev.harvest.outbox.autoconfigure;

import org.springframework.beans.factory.InitializingBean;

import dev.harvest.outbox.jdbc.OutboxSchema;

/**
 * Creates the outbox, leader and quarantine tables when they do not exist, as the application
 * context starts ({@code harvest.schema.initialize=true}). Beans that depend on database
 * initialization, such as the harvester, are created after it.
 */
public class OutboxSchemaInitializer implements InitializingBean {

	private final OutboxSchema schema;

	public OutboxSchemaInitializer(OutboxSchema schema) {
		this.schema = schema;
	}

	@Override
	public void afterPropertiesSet() {
		this.schema.initialize();
	}

}
