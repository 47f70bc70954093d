-- goharvest's outbox table, exactly as goharvest documents it: text values and no defaults.
-- Harvest runs against it unchanged.
CREATE TABLE IF NOT EXISTS ${outbox} (
	id BIGSERIAL PRIMARY KEY,
	create_time TIMESTAMPTZ NOT NULL,
	kafka_topic VARCHAR(249) NOT NULL,
	kafka_key VARCHAR(100) NOT NULL,
	kafka_value VARCHAR(10000),
	kafka_header_keys TEXT[] NOT NULL,
	kafka_header_values TEXT[] NOT NULL,
	leader_id UUID
);
