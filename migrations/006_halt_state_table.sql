-- 006: the canonical halt flag (CT-11), a singleton row with a fixed id (runbook §4.3).
BEGIN;

CREATE TABLE halt_state (
  id                  uuid PRIMARY KEY CHECK (id = '00000000-0000-0000-0000-000000000001'),
  is_halted           boolean NOT NULL DEFAULT false,
  reason              text,
  source              text,
  halted_by           text,
  halted_at           timestamptz,
  halt_event_sequence bigint,
  halted_after_sequence bigint,
  cleared_at          timestamptz,
  ceremony_id         uuid,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT is_halted OR (reason IS NOT NULL AND length(reason) > 0))
);
COMMENT ON TABLE halt_state IS 'Canonical halt state: exactly one row, id 00000000-0000-0000-0000-000000000001. Redis only mirrors it.';
COMMENT ON COLUMN halt_state.id IS 'Fixed singleton id; the CHECK makes a second row impossible.';
COMMENT ON COLUMN halt_state.is_halted IS 'True while the system is halted: writes are refused until a keeper ceremony clears it.';
COMMENT ON COLUMN halt_state.reason IS 'Why the system halted; required while halted, NULL when never halted.';
COMMENT ON COLUMN halt_state.source IS 'What raised the halt: api, keeper, redis, integrity, floor …';
COMMENT ON COLUMN halt_state.halted_by IS 'Actor that raised the halt (keeper id, admin, SYSTEM:{service}).';
COMMENT ON COLUMN halt_state.halted_at IS 'When the current or last halt was raised.';
COMMENT ON COLUMN halt_state.halt_event_sequence IS 'events.sequence of the halt.triggered event of the current or last halt, when the halt was recorded with one.';
COMMENT ON COLUMN halt_state.halted_after_sequence IS 'Chain head (last sequence) when the current or last halt was raised; set by the database, not by the writer. Only a ceremony stored after it can clear the halt.';
COMMENT ON COLUMN halt_state.cleared_at IS 'When the last halt was cleared.';
COMMENT ON COLUMN halt_state.ceremony_id IS 'Ceremony whose halt.cleared event cleared the last halt.';
COMMENT ON COLUMN halt_state.updated_at IS 'When the row last changed.';

INSERT INTO halt_state (id, is_halted, reason) VALUES ('00000000-0000-0000-0000-000000000001', false, NULL);

CREATE FUNCTION reject_halt_state_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'CT-11: the halt_state row cannot be removed (%)', TG_OP USING ERRCODE = 'A7207';
END;
$$;
COMMENT ON FUNCTION reject_halt_state_removal() IS 'CT-11: the singleton halt row is never deleted or truncated.';

CREATE TRIGGER prevent_halt_state_delete BEFORE DELETE ON halt_state FOR EACH ROW EXECUTE FUNCTION reject_halt_state_removal();
CREATE TRIGGER prevent_halt_state_truncate BEFORE TRUNCATE ON halt_state FOR EACH STATEMENT EXECUTE FUNCTION reject_halt_state_removal();
REVOKE DELETE, TRUNCATE ON halt_state FROM PUBLIC;

INSERT INTO schema_migrations (version, name) VALUES ('006', 'halt_state_table');
COMMIT;
