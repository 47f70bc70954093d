package dev.harvest.outbox.stash;

/**
 * The two outbox table shapes the stasher must write: goharvest's, with text values, and
 * Harvest's recommended one, with binary values.
 */
enum OutboxTableShape {

	/** goharvest's table exactly as its README creates it. */
	GOHARVEST("VARCHAR(10000)", "TIMESTAMPTZ NOT NULL"),

	/** Harvest's recommended table: binary values and a default creation time. */
	RECOMMENDED("BYTEA", "TIMESTAMPTZ NOT NULL DEFAULT now()");

	private final String valueType;

	private final String createTimeType;

	OutboxTableShape(String valueType, String createTimeType) {
		this.valueType = valueType;
		this.createTimeType = createTimeType;
	}

	/**
	 * Returns the DDL that creates a table of this shape.
	 * @param name the table name, as it goes into SQL
	 * @return the statement
	 */
	String ddl(String name) {
		return "CREATE TABLE " + name + " (id BIGSERIAL PRIMARY KEY, create_time " + this.createTimeType
				+ ", kafka_topic VARCHAR(249) NOT NULL, kafka_key VARCHAR(100) NOT NULL, kafka_value "
				+ this.valueType + ", kafka_header_keys TEXT[] NOT NULL, kafka_header_values TEXT[] NOT NULL, "
				+ "leader_id UUID)";
	}

	boolean binary() {
		return this == RECOMMENDED;
	}

}
