package dev.harvest.outbox.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties for Harvest, under {@code harvest.*}.
 */
@ConfigurationProperties("harvest")
public class HarvestProperties {

	/**
	 * Whether the harvester runs in this application. The outbox stasher is available either
	 * way.
	 */
	private boolean enabled = true;

	/**
	 * Outbox table, optionally schema-qualified ("schema.table").
	 */
	private String outboxTable = "outbox";

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getOutboxTable() {
		return this.outboxTable;
	}

	public void setOutboxTable(String outboxTable) {
		this.outboxTable = outboxTable;
	}

}
