-- 009: the database enforces a halt (CT-11). While halt_state.is_halted is true, no event commits except the
-- records of the halt itself and of what may be done about it:
--   halt.triggered  another halt raised while halted (who else saw a reason to stop)
--   halt.cleared    the keeper ceremony that clears it (migration 007 checks it when halt_state is cleared)
--   key.revoked     a compromised key closed during the halt (defensive, like the halt; migration 008 checks it)
-- Raising a halt takes the append lock (007), so it waits for appends in flight to commit, and every append that
-- takes the lock afterwards sees the halt in the statement below: no event can commit after a halt commits,
-- whatever any process believes. There is no bypass: no session setting, role or application_name is consulted.
BEGIN;

CREATE FUNCTION is_halt_record_event_type(event_type text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT event_type IN ('halt.triggered', 'halt.cleared', 'key.revoked');
$$;
COMMENT ON FUNCTION is_halt_record_event_type(text) IS 'CT-11: event types that may be stored while the system is halted.';

-- Statement level: one look at halt_state per INSERT, however many rows it carries.
CREATE FUNCTION refuse_events_while_halted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  halt record;
  refused record;
BEGIN
  SELECT is_halted, reason INTO halt FROM halt_state WHERE id = '00000000-0000-0000-0000-000000000001';
  IF NOT coalesce(halt.is_halted, false) THEN
    RETURN NULL;
  END IF;
  SELECT sequence, event_type INTO refused FROM new_rows WHERE NOT is_halt_record_event_type(event_type) ORDER BY sequence LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'CT-11: the system is halted (%): event % (%) cannot be stored until a keeper ceremony clears the halt', halt.reason, refused.sequence, refused.event_type
      USING ERRCODE = 'A7210';
  END IF;
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION refuse_events_while_halted() IS 'CT-11: while halted, only halt.triggered, halt.cleared and key.revoked events are stored.';

CREATE TRIGGER refuse_events_while_halted_on_insert AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION refuse_events_while_halted();

INSERT INTO schema_migrations (version, name) VALUES ('009', 'halt_enforcement');
COMMIT;
