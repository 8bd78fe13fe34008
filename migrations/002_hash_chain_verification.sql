-- 002: hash chain continuity, checked by the database on every insert (FR82).
-- The sequence is head + 1: a rejected insert consumes nothing, so one bad event can never leave a gap.
-- Together with the primary key on sequence, two writers can never fork the chain: the second insert of a
-- sequence fails on the key, and an insert that skips ahead fails here.
BEGIN;

CREATE FUNCTION verify_hash_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head record;
BEGIN
  IF NEW.content_hash !~ '^[0-9a-f]{64}$' OR NEW.prev_hash !~ '^[0-9a-f]{64}$' THEN
    RAISE EXCEPTION 'FR82: content_hash and prev_hash must be 64 lowercase hex digits (sequence %)', NEW.sequence
      USING ERRCODE = 'A7201';
  END IF;

  -- Rows inserted earlier by the same statement are visible here, so a multi-row insert chains row by row.
  SELECT e.sequence, e.content_hash, e.authority_timestamp INTO head
    FROM events e ORDER BY e.sequence DESC LIMIT 1;

  IF NOT FOUND THEN
    IF NEW.sequence <> 1 THEN
      RAISE EXCEPTION 'FR82: sequence gap: the log is empty, so the next sequence is 1, not %', NEW.sequence
        USING ERRCODE = 'A7201';
    END IF;
    IF NEW.prev_hash <> repeat('0', 64) THEN
      RAISE EXCEPTION 'FR82: prev_hash mismatch at sequence 1: the genesis prev_hash is 64 zeros'
        USING ERRCODE = 'A7201';
    END IF;
  ELSE
    IF NEW.sequence <> head.sequence + 1 THEN
      RAISE EXCEPTION 'FR82: sequence gap: the next sequence is %, not %', head.sequence + 1, NEW.sequence
        USING ERRCODE = 'A7201';
    END IF;
    IF NEW.prev_hash <> head.content_hash THEN
      RAISE EXCEPTION 'FR82: prev_hash mismatch at sequence %', NEW.sequence
        USING ERRCODE = 'A7201';
    END IF;
    IF NEW.authority_timestamp < head.authority_timestamp THEN
      RAISE EXCEPTION 'FR82: authority_timestamp runs backwards at sequence %', NEW.sequence
        USING ERRCODE = 'A7201';
    END IF;
  END IF;

  -- Authority time is the database's clock during this very transaction, not a value a writer picks.
  IF NEW.authority_timestamp < now() OR NEW.authority_timestamp > clock_timestamp() THEN
    RAISE EXCEPTION 'FR82: authority_timestamp at sequence % must be read from the database clock inside the inserting transaction', NEW.sequence
      USING ERRCODE = 'A7201';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION verify_hash_chain() IS 'FR82: sequence = head + 1, prev_hash = head content_hash (64 zeros at genesis), authority time monotonic and taken inside the transaction.';

CREATE TRIGGER verify_hash_chain_on_insert BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION verify_hash_chain();

INSERT INTO schema_migrations (version, name) VALUES ('002', 'hash_chain_verification');
COMMIT;
