-- 001: the append-only constitutional event store (runbook Appendix A).
-- Apply with `psql -v ON_ERROR_STOP=1 -f migrations/001_create_events_table.sql` or `archon72 migrate`.
-- The whole file is one transaction: it applies completely or not at all.
BEGIN;

-- Which migrations are applied. Each file records itself here; `archon72 migrate` also stores the file's
-- checksum so an edited migration is refused.
CREATE TABLE schema_migrations (
  version    text PRIMARY KEY,
  name       text NOT NULL,
  checksum   text CHECK (checksum ~ '^[0-9a-f]{64}$'),
  applied_at timestamptz NOT NULL DEFAULT now(),
  applied_by text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE schema_migrations IS 'One row per applied migration file; the service refuses to start on a schema it does not know.';
COMMENT ON COLUMN schema_migrations.version IS 'Three-digit prefix of the migration file name, e.g. 001.';
COMMENT ON COLUMN schema_migrations.name IS 'Rest of the file name without .sql, e.g. create_events_table.';
COMMENT ON COLUMN schema_migrations.checksum IS 'SHA-256 (hex) of the file bytes as archon72 migrate applied or adopted them; NULL when applied by psql and not yet adopted.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When the migration was applied.';
COMMENT ON COLUMN schema_migrations.applied_by IS 'Database role that applied it.';

-- The log itself. Every column an outside verifier needs is stored; see docs/PROTOCOL.md for what is hashed and signed.
CREATE TABLE events (
  sequence            bigint PRIMARY KEY CHECK (sequence >= 1),
  event_id            uuid NOT NULL UNIQUE,
  event_type          text NOT NULL CHECK (length(event_type) <= 128 AND event_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
  payload             jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  agent_id            text NOT NULL CHECK (length(agent_id) <= 128),
  signing_key_id      text NOT NULL CHECK (length(signing_key_id) <= 128),
  signature           text NOT NULL,
  witness_id          text NOT NULL,
  witness_signature   text NOT NULL,
  prev_hash           text NOT NULL,
  content_hash        text NOT NULL UNIQUE,
  local_timestamp     timestamptz NOT NULL,
  authority_timestamp timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE events IS 'Append-only, hash-chained, Ed25519-signed, witness-attested constitutional event log. No UPDATE, DELETE or TRUNCATE, ever.';
COMMENT ON COLUMN events.sequence IS 'Position in the chain: 1, 2, 3 … with no gaps; assigned as head + 1 inside the appending transaction.';
COMMENT ON COLUMN events.event_id IS 'Agent-chosen UUID; unique, so a resubmitted event cannot be stored twice.';
COMMENT ON COLUMN events.event_type IS 'Dot-separated lowercase words, e.g. halt.triggered or motion.proposed.';
COMMENT ON COLUMN events.payload IS 'Event body: a JSON object of at most 64 KiB canonical bytes.';
COMMENT ON COLUMN events.agent_id IS 'Actor that signed the event: SYSTEM:{service}, agent-{uuid}, KEEPER:{name} …';
COMMENT ON COLUMN events.signing_key_id IS 'agent_keys.key_id of the key that made signature; must belong to agent_id and be active at authority_timestamp.';
COMMENT ON COLUMN events.signature IS 'Agent Ed25519 signature over the signed body (docs/PROTOCOL.md §3), padded base64, 88 characters.';
COMMENT ON COLUMN events.witness_id IS 'Witness that attested the event: WITNESS:{id}, chosen by the public selection rule (docs/PROTOCOL.md §6).';
COMMENT ON COLUMN events.witness_signature IS 'Witness Ed25519 signature over content_hash (docs/PROTOCOL.md §5), padded base64, 88 characters.';
COMMENT ON COLUMN events.prev_hash IS 'content_hash of the event at sequence - 1; 64 zeros for sequence 1.';
COMMENT ON COLUMN events.content_hash IS 'SHA-256 (lowercase hex) of the JCS encoding of the hashed fields (docs/PROTOCOL.md §4).';
COMMENT ON COLUMN events.local_timestamp IS 'Agent clock when it signed the event (part of the signed body).';
COMMENT ON COLUMN events.authority_timestamp IS 'Database clock inside the appending transaction; keys are checked against it.';

CREATE INDEX events_event_type_sequence_idx ON events (event_type, sequence);
CREATE INDEX events_agent_id_sequence_idx ON events (agent_id, sequence);
CREATE INDEX events_authority_timestamp_idx ON events (authority_timestamp);

-- Append-only, enforced where the application cannot switch it off (CT-13).
CREATE FUNCTION reject_event_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'CT-13: events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'A7205', HINT = 'Events are never changed or removed; append a correcting event instead.';
END;
$$;
COMMENT ON FUNCTION reject_event_mutation() IS 'Refuses UPDATE, DELETE and TRUNCATE on events.';

CREATE TRIGGER prevent_event_update BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION reject_event_mutation();
CREATE TRIGGER prevent_event_delete BEFORE DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION reject_event_mutation();
CREATE TRIGGER prevent_event_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_event_mutation();

REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC;

INSERT INTO schema_migrations (version, name) VALUES ('001', 'create_events_table');
COMMIT;
