-- 005: clock drift monitoring and the constitutional configuration table.
-- Drift between an agent's clock (local_timestamp) and the database's (authority_timestamp) is recorded,
-- never a reason to reject an event: the event is still signed, witnessed and chained.
BEGIN;

CREATE TABLE constitutional_config (
  key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*$'),
  value       numeric NOT NULL,
  description text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE constitutional_config IS 'Governance thresholds read by the database and the service (each has a constitutional floor checked at startup).';
COMMENT ON COLUMN constitutional_config.key IS 'Setting name, snake_case.';
COMMENT ON COLUMN constitutional_config.value IS 'Numeric value of the setting.';
COMMENT ON COLUMN constitutional_config.description IS 'What the setting governs and its unit.';
COMMENT ON COLUMN constitutional_config.updated_at IS 'When the value last changed.';

INSERT INTO constitutional_config (key, value, description) VALUES
  ('clock_drift_threshold_seconds', 5, 'Drift between local_timestamp and authority_timestamp, in seconds, above which a clock_drift_warnings row is written.');

CREATE TABLE clock_drift_warnings (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_sequence      bigint NOT NULL,
  event_id            uuid NOT NULL,
  agent_id            text NOT NULL,
  local_timestamp     timestamptz NOT NULL,
  authority_timestamp timestamptz NOT NULL,
  drift_seconds       numeric NOT NULL,
  threshold_seconds   numeric NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE clock_drift_warnings IS 'One row per event whose agent clock differed from the database clock by more than the threshold.';
COMMENT ON COLUMN clock_drift_warnings.id IS 'Row id.';
COMMENT ON COLUMN clock_drift_warnings.event_sequence IS 'events.sequence of the drifting event.';
COMMENT ON COLUMN clock_drift_warnings.event_id IS 'events.event_id of the drifting event.';
COMMENT ON COLUMN clock_drift_warnings.agent_id IS 'Agent whose clock drifted.';
COMMENT ON COLUMN clock_drift_warnings.local_timestamp IS 'The agent clock reading (events.local_timestamp).';
COMMENT ON COLUMN clock_drift_warnings.authority_timestamp IS 'The database clock reading (events.authority_timestamp).';
COMMENT ON COLUMN clock_drift_warnings.drift_seconds IS 'authority_timestamp - local_timestamp in seconds; positive when the agent clock is behind.';
COMMENT ON COLUMN clock_drift_warnings.threshold_seconds IS 'Threshold in force when the event was stored.';
COMMENT ON COLUMN clock_drift_warnings.created_at IS 'When the warning was written.';
CREATE INDEX clock_drift_warnings_agent_id_idx ON clock_drift_warnings (agent_id, created_at);

CREATE FUNCTION log_clock_drift() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  threshold numeric;
  drift numeric;
BEGIN
  SELECT value INTO threshold FROM constitutional_config WHERE key = 'clock_drift_threshold_seconds';
  threshold := coalesce(threshold, 5);
  drift := extract(epoch FROM NEW.authority_timestamp - NEW.local_timestamp);
  IF abs(drift) > threshold THEN
    INSERT INTO clock_drift_warnings (event_sequence, event_id, agent_id, local_timestamp, authority_timestamp, drift_seconds, threshold_seconds)
    VALUES (NEW.sequence, NEW.event_id, NEW.agent_id, NEW.local_timestamp, NEW.authority_timestamp, drift, threshold);
  END IF;
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION log_clock_drift() IS 'Writes clock_drift_warnings when |authority_timestamp - local_timestamp| exceeds clock_drift_threshold_seconds (default 5).';

CREATE TRIGGER log_clock_drift_on_insert AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION log_clock_drift();

INSERT INTO schema_migrations (version, name) VALUES ('005', 'clock_drift_monitoring');
COMMIT;
