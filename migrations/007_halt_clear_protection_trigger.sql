-- 007: a halt is sticky (CT-11). Halting is always allowed. While halted, the halt's record cannot be altered.
-- halt_state can go from halted to not halted only when the chain holds a halt.cleared event stored after the halt
-- was raised, naming a new ceremony and listing at least minimum_keeper_quorum (never fewer than 2) distinct
-- keepers whose keys were active when it was stored.
--
-- There is no bypass of any kind: no application_name, session setting, role or flag is consulted. PostgreSQL
-- cannot verify Ed25519, so the keeper signatures themselves are verified by the service before it appends the
-- event and by every outside verifier afterwards; the event is signed, witnessed and chained like any other, so a
-- clear without a valid ceremony is permanently visible.
BEGIN;

INSERT INTO constitutional_config (key, value, description) VALUES
  ('minimum_keeper_quorum', 2, 'Distinct active keepers whose signatures a halt-clear ceremony needs; the constitutional floor is 2.');

CREATE FUNCTION protect_halt_clear() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  quorum numeric;
  ceremony record;
  signers integer;
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id THEN
    RAISE EXCEPTION 'CT-11: the halt_state row keeps its id' USING ERRCODE = 'A7207';
  END IF;

  -- Raising a halt: never refused. The database itself records where the chain stood, so no writer can date a
  -- halt before ceremonies that already exist.
  IF NEW.is_halted AND NOT OLD.is_halted THEN
    -- Under the append lock (see 003), so no append is half-way between this read and the halt's commit.
    PERFORM pg_advisory_xact_lock(72000001);
    SELECT coalesce(max(sequence), 0) INTO NEW.halted_after_sequence FROM events;
    RETURN NEW;
  END IF;

  -- A halt in force is evidence: none of its fields may change until a ceremony clears it.
  IF OLD.is_halted AND NEW.is_halted THEN
    IF (to_jsonb(NEW) - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'updated_at') THEN
      RAISE EXCEPTION 'CT-11: a halt in force cannot be altered; only a keeper ceremony can clear it'
        USING ERRCODE = 'A7207';
    END IF;
    RETURN NEW;
  END IF;

  IF NOT OLD.is_halted THEN
    IF NEW.halted_after_sequence IS DISTINCT FROM OLD.halted_after_sequence THEN
      RAISE EXCEPTION 'CT-11: halted_after_sequence is set by the database when a halt is raised'
        USING ERRCODE = 'A7207';
    END IF;
    RETURN NEW;
  END IF;

  -- From here on: OLD.is_halted AND NOT NEW.is_halted, a clear.
  IF NEW.halted_after_sequence IS DISTINCT FROM OLD.halted_after_sequence
     OR NEW.halt_event_sequence IS DISTINCT FROM OLD.halt_event_sequence THEN
    RAISE EXCEPTION 'CT-11: clearing a halt cannot rewrite which halt it was' USING ERRCODE = 'A7207';
  END IF;

  IF NEW.ceremony_id IS NULL OR NEW.ceremony_id IS NOT DISTINCT FROM OLD.ceremony_id THEN
    RAISE EXCEPTION 'CT-11: clearing a halt requires a new ceremony_id (a ceremony clears one halt only)'
      USING ERRCODE = 'A7207';
  END IF;

  SELECT e.sequence, e.payload, e.authority_timestamp INTO ceremony
    FROM events e
   WHERE e.event_type = 'halt.cleared'
     AND e.payload->>'ceremony_id' = NEW.ceremony_id::text
     AND e.sequence > coalesce(OLD.halted_after_sequence, 0)
     AND e.sequence > coalesce(OLD.halt_event_sequence, 0)
   ORDER BY e.sequence DESC LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'CT-11: no halt.cleared event for ceremony % after the halt; append the ceremony first', NEW.ceremony_id
      USING ERRCODE = 'A7207';
  END IF;
  IF OLD.halt_event_sequence IS NOT NULL
     AND ceremony.payload->>'halt_sequence' IS DISTINCT FROM OLD.halt_event_sequence::text THEN
    RAISE EXCEPTION 'CT-11: ceremony % does not clear the current halt (sequence %)', NEW.ceremony_id, OLD.halt_event_sequence
      USING ERRCODE = 'A7207';
  END IF;

  SELECT value INTO quorum FROM constitutional_config WHERE key = 'minimum_keeper_quorum';
  quorum := greatest(coalesce(quorum, 2), 2);

  -- Distinct keepers, each named with a key registered to them and active when the ceremony event was stored.
  SELECT count(DISTINCT kk.keeper_id) INTO signers
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(ceremony.payload->'keepers') = 'array'
                                   THEN ceremony.payload->'keepers' ELSE '[]'::jsonb END) AS k(entry)
    JOIN keeper_keys kk
      ON kk.key_id = k.entry->>'key_id' AND kk.keeper_id = k.entry->>'keeper_id'
   WHERE kk.active_from <= ceremony.authority_timestamp
     AND (kk.active_until IS NULL OR ceremony.authority_timestamp < kk.active_until);
  IF signers < quorum THEN
    RAISE EXCEPTION 'CT-11: ceremony % has % distinct active keeper(s); the quorum is %', NEW.ceremony_id, signers, quorum
      USING ERRCODE = 'A7207';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION protect_halt_clear() IS 'CT-11: halting always works; a halt in force is immutable; it clears only through a keeper ceremony stored after it, meeting the quorum. No bypass.';

CREATE TRIGGER halt_clear_protection BEFORE UPDATE ON halt_state
  FOR EACH ROW EXECUTE FUNCTION protect_halt_clear();

INSERT INTO schema_migrations (version, name) VALUES ('007', 'halt_clear_protection_trigger');
COMMIT;
