-- Harvest's recommended schema for PostgreSQL: the outbox table, the leader epoch table
-- (harvest_leader, in the outbox's schema) and the quarantine table (<outbox>_quarantine).
-- Every statement is idempotent, so the script can run at every start-up or as a migration.

-- The outbox: goharvest's columns, with a binary value and a default creation time.
CREATE TABLE IF NOT EXISTS ${outbox} (
	id BIGSERIAL PRIMARY KEY,
	create_time TIMESTAMPTZ NOT NULL DEFAULT now(),
	kafka_topic VARCHAR(249) NOT NULL,
	kafka_key VARCHAR(100) NOT NULL,
	kafka_value BYTEA,
	kafka_header_keys TEXT[] NOT NULL,
	kafka_header_values TEXT[] NOT NULL,
	leader_id UUID
);

-- One row per leader group: the epoch that fences statements of former leaders, and when the
-- leader last ran its mark query (written every few seconds while it leads, not on every
-- mark), so that every instance can tell whether the leader is still marking.
CREATE TABLE IF NOT EXISTS ${leader} (
	group_id TEXT PRIMARY KEY,
	epoch BIGINT NOT NULL,
	leader_name TEXT,
	leader_id UUID,
	acquired_at TIMESTAMPTZ,
	last_mark_at TIMESTAMPTZ
);

-- Leader tables created before the leader recorded its marks lack last_mark_at; on any other
-- table this does nothing.
ALTER TABLE ${leader} ADD COLUMN IF NOT EXISTS last_mark_at TIMESTAMPTZ;

-- Rows that could not be published, moved here from the outbox with their original id and
-- why. The record columns are copied raw and may be NULL, so that malformed rows fit too.
-- A row holds its key (topic, key) until it is released; rows quarantined with SKIP_RECORD
-- are released at once.
CREATE TABLE IF NOT EXISTS ${quarantine} (
	id BIGINT PRIMARY KEY,
	create_time TIMESTAMPTZ,
	kafka_topic TEXT,
	kafka_key TEXT,
	kafka_value BYTEA,
	kafka_header_keys TEXT[],
	kafka_header_values TEXT[],
	leader_id UUID,
	attempts INT NOT NULL,
	first_failure_time TIMESTAMPTZ,
	last_failure_time TIMESTAMPTZ,
	last_error TEXT,
	error_class TEXT,
	policy TEXT NOT NULL,
	quarantined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
	released_at TIMESTAMPTZ
);

-- Quarantine tables created before keys could be released lack released_at; on any other
-- table this does nothing.
ALTER TABLE ${quarantine} ADD COLUMN IF NOT EXISTS released_at TIMESTAMPTZ;

-- The held keys, which the leader reads on every acquisition and refresh.
CREATE INDEX IF NOT EXISTS ${quarantine_held_index} ON ${quarantine} (kafka_topic, kafka_key)
	WHERE released_at IS NULL;
