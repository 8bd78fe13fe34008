-- 012: Conclave sessions are read back from the log by their session_id (resume, transcript, results), so the
-- events of one session are found by index, not by scanning every conclave event. The payload member is
-- session_id (docs/PROTOCOL.md §18); the partial index holds conclave events only.
BEGIN;

CREATE INDEX events_conclave_session_idx
  ON events ((payload ->> 'session_id'), sequence)
  WHERE event_type LIKE 'conclave.%';

COMMENT ON INDEX events_conclave_session_idx IS 'Conclave session events by payload session_id, in sequence order (archon72 conclave resume/transcript, /v1/conclave/sessions).';

INSERT INTO schema_migrations (version, name) VALUES ('012', 'conclave_sessions');
COMMIT;
