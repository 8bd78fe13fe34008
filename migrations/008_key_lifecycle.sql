-- 008: key lifecycle and witness pool floors (CT-12, FR76).
--   * Witness pool floors: an event is stored only while its witness pool (docs/PROTOCOL.md §6) has at least
--     witness_pool_minimum members, or witness_pool_high_stakes_minimum for high-stakes event types. The floors
--     can be raised, never set below 6 and 12.
--   * Revocation is a recorded act: a key.revoked event may name only a key that is already closed, once.
--   * Keeper keys enter keeper_keys only after a keeper.key_registered event records who approved them: the
--     current keeper quorum, or, while fewer than a quorum of keepers exist, a bootstrap registration marked so.
-- PostgreSQL cannot verify Ed25519: the approvals' signatures are verified by the service before it appends the
-- event and by every outside verifier afterwards. The database enforces the shape, the count and the key windows.
BEGIN;

INSERT INTO constitutional_config (key, value, description) VALUES
  ('witness_pool_minimum', 6, 'Witnesses with an active key (other than the event''s agent) an event needs to be stored; the constitutional floor is 6.'),
  ('witness_pool_high_stakes_minimum', 12, 'Witness pool an event of a high-stakes type needs (is_high_stakes_event_type); the constitutional floor is 12.');

-- Floors of the settings this project defines. A weaker value is refused, whoever writes it.
CREATE FUNCTION constitutional_floor(setting text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE setting
    WHEN 'minimum_keeper_quorum' THEN 2
    WHEN 'witness_pool_minimum' THEN 6
    WHEN 'witness_pool_high_stakes_minimum' THEN 12
  END;
$$;
COMMENT ON FUNCTION constitutional_floor(text) IS 'The constitutional floor of a constitutional_config setting, or NULL when it has none.';

CREATE FUNCTION enforce_constitutional_floor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF constitutional_floor(OLD.key) IS NOT NULL THEN
      RAISE EXCEPTION 'CT-12: constitutional setting % cannot be deleted', OLD.key USING ERRCODE = 'A7208';
    END IF;
    RETURN OLD;
  END IF;
  IF constitutional_floor(NEW.key) IS NOT NULL AND NEW.value < constitutional_floor(NEW.key) THEN
    RAISE EXCEPTION 'CT-12: % = % is below its constitutional floor %', NEW.key, NEW.value, constitutional_floor(NEW.key)
      USING ERRCODE = 'A7208';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION enforce_constitutional_floor() IS 'Refuses constitutional_config values below their floor, and deleting a floored setting.';
CREATE TRIGGER enforce_constitutional_floor_on_write BEFORE INSERT OR UPDATE OR DELETE ON constitutional_config
  FOR EACH ROW EXECUTE FUNCTION enforce_constitutional_floor();

-- High-stakes event types need the larger pool: acts that resume the system or change who may govern it. A
-- revocation is not one: like a halt it is defensive, and a shrunken pool must not delay it. A later migration may
-- add types with CREATE OR REPLACE.
CREATE FUNCTION is_high_stakes_event_type(event_type text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT event_type IN ('halt.cleared', 'keeper.key_registered') OR event_type LIKE 'constitution.%';
$$;
COMMENT ON FUNCTION is_high_stakes_event_type(text) IS 'Event types stored only with a witness pool of at least witness_pool_high_stakes_minimum.';

-- Statement level, so the pool is read once per authority time (a batch shares one) and the rows are checked by one
-- set-based query, not once per row: this trigger runs on every append.
-- halt.triggered is exempt: halting is never refused (CT-11), even by a shrunken pool; it still needs a witness.
CREATE FUNCTION enforce_witness_pool_floor() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  minimum numeric := greatest(coalesce((SELECT value FROM constitutional_config WHERE key = 'witness_pool_minimum'), 6), 6);
  high numeric := greatest(coalesce((SELECT value FROM constitutional_config WHERE key = 'witness_pool_high_stakes_minimum'), 12), 12);
  at timestamptz;
  pool text[];
  r record;
BEGIN
  FOR at IN SELECT DISTINCT authority_timestamp FROM new_rows LOOP
    SELECT coalesce(array_agg(DISTINCT agent_id), '{}') INTO pool FROM agent_keys
     WHERE agent_id LIKE 'WITNESS:%' AND active_from <= at AND (active_until IS NULL OR at < active_until);
    -- A pool larger than both floors even without one member satisfies every row.
    CONTINUE WHEN cardinality(pool) - 1 >= greatest(minimum, high);
    SELECT n.sequence, n.event_type, cardinality(pool) - (n.agent_id = ANY (pool))::integer AS size,
           CASE WHEN is_high_stakes_event_type(n.event_type) THEN high ELSE minimum END AS needed
      INTO r
      FROM new_rows n
     WHERE n.authority_timestamp = at AND n.event_type <> 'halt.triggered'
       AND cardinality(pool) - (n.agent_id = ANY (pool))::integer < CASE WHEN is_high_stakes_event_type(n.event_type) THEN high ELSE minimum END
     ORDER BY n.sequence LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'CT-12: the witness pool for sequence % (%) has % witnesses; it needs at least %', r.sequence, r.event_type, r.size, r.needed
        USING ERRCODE = 'A7208', HINT = 'Register more witnesses (archon72 witness bootstrap, or archon72 keys generate --agent WITNESS:…).';
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION enforce_witness_pool_floor() IS 'CT-12: every stored event had a witness pool at least as large as its floor.';
CREATE TRIGGER enforce_witness_pool_floor_on_insert AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION enforce_witness_pool_floor();

-- key.revoked: payload { agent_id, key_id, active_until, reason }. The key must already be closed, at or before
-- the event, with exactly that active_until; a key is revoked once.
CREATE UNIQUE INDEX events_key_revoked_once_idx ON events ((payload->>'key_id')) WHERE event_type = 'key.revoked';

CREATE FUNCTION validate_key_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k record;
  earlier bigint;
BEGIN
  SELECT agent_id, active_until INTO k FROM agent_keys WHERE key_id = NEW.payload->>'key_id'
  UNION ALL
  SELECT keeper_id, active_until FROM keeper_keys WHERE key_id = NEW.payload->>'key_id';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'FR76: key.revoked at sequence % names unknown key %', NEW.sequence, NEW.payload->>'key_id' USING ERRCODE = 'A7209';
  END IF;
  IF k.agent_id IS DISTINCT FROM NEW.payload->>'agent_id' THEN
    RAISE EXCEPTION 'FR76: key.revoked at sequence %: key % belongs to %, not %', NEW.sequence, NEW.payload->>'key_id', k.agent_id, NEW.payload->>'agent_id'
      USING ERRCODE = 'A7209';
  END IF;
  IF k.active_until IS NULL OR k.active_until > NEW.authority_timestamp THEN
    RAISE EXCEPTION 'FR76: key.revoked at sequence %: close key % before recording its revocation', NEW.sequence, NEW.payload->>'key_id'
      USING ERRCODE = 'A7209';
  END IF;
  IF coalesce(NEW.payload->>'active_until', '') !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$'
     OR (NEW.payload->>'active_until')::timestamptz IS DISTINCT FROM k.active_until THEN
    RAISE EXCEPTION 'FR76: key.revoked at sequence %: active_until must be the key''s recorded active_until', NEW.sequence
      USING ERRCODE = 'A7209';
  END IF;
  IF jsonb_typeof(NEW.payload->'reason') IS DISTINCT FROM 'string' OR length(NEW.payload->>'reason') = 0 THEN
    RAISE EXCEPTION 'FR76: key.revoked at sequence % needs a non-empty reason', NEW.sequence USING ERRCODE = 'A7209';
  END IF;
  SELECT sequence INTO earlier FROM events WHERE event_type = 'key.revoked' AND payload->>'key_id' = NEW.payload->>'key_id';
  IF FOUND THEN
    RAISE EXCEPTION 'FR76: key % was already revoked at sequence %', NEW.payload->>'key_id', earlier USING ERRCODE = 'A7209';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION validate_key_revocation() IS 'FR76: a key.revoked event names a closed key, with its recorded active_until, once.';
CREATE TRIGGER validate_key_revocation_on_insert BEFORE INSERT ON events
  FOR EACH ROW WHEN (NEW.event_type = 'key.revoked') EXECUTE FUNCTION validate_key_revocation();

-- keeper.key_registered: payload { keeper_id, key_id, public_key (64 hex), bootstrap (boolean), approvals }.
-- Each approval is a signed keeper statement { statement, keeper_id, key_id, signature } whose statement is
-- { type: "keeper.key_registration", keeper_id, key_id, public_key } for this key (docs/PROTOCOL.md).
CREATE UNIQUE INDEX events_keeper_key_registered_once_idx ON events ((payload->>'key_id')) WHERE event_type = 'keeper.key_registered';

CREATE FUNCTION validate_keeper_key_registration() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p jsonb := NEW.payload;
  quorum numeric := greatest(coalesce((SELECT value FROM constitutional_config WHERE key = 'minimum_keeper_quorum'), 2), 2);
  keepers integer;
  approvers integer;
BEGIN
  IF coalesce(p->>'keeper_id', '') !~ '^KEEPER:[A-Za-z0-9][A-Za-z0-9_.\-]*$' OR length(p->>'keeper_id') > 128
     OR coalesce(p->>'key_id', '') !~ '^[A-Za-z0-9][A-Za-z0-9:_.\-]*$' OR length(p->>'key_id') > 128
     OR coalesce(p->>'public_key', '') !~ '^[0-9a-f]{64}$'
     OR jsonb_typeof(p->'bootstrap') IS DISTINCT FROM 'boolean'
     OR jsonb_typeof(p->'approvals') IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'CT-12: keeper.key_registered at sequence % needs keeper_id (KEEPER:…), key_id, public_key (64 hex), bootstrap (boolean) and approvals (array)', NEW.sequence
      USING ERRCODE = 'A7209';
  END IF;
  IF EXISTS (SELECT 1 FROM keeper_keys WHERE key_id = p->>'key_id') OR EXISTS (SELECT 1 FROM agent_keys WHERE key_id = p->>'key_id') THEN
    RAISE EXCEPTION 'CT-12: key % is already registered', p->>'key_id' USING ERRCODE = 'A7209';
  END IF;
  SELECT count(DISTINCT keeper_id) INTO keepers FROM keeper_keys
   WHERE active_from <= NEW.authority_timestamp AND (active_until IS NULL OR NEW.authority_timestamp < active_until);
  IF (p->>'bootstrap')::boolean THEN
    -- Until a quorum of keepers exists nobody can approve, so the first keepers register themselves, marked so.
    IF keepers >= quorum THEN
      RAISE EXCEPTION 'CT-12: bootstrap keeper registration refused: % keepers are already active (quorum %); the quorum must approve', keepers, quorum
        USING ERRCODE = 'A7209';
    END IF;
    RETURN NEW;
  END IF;
  SELECT count(DISTINCT a->>'keeper_id') INTO approvers
    FROM jsonb_array_elements(p->'approvals') AS a
   WHERE a->'statement'->>'type' = 'keeper.key_registration'
     AND a->'statement'->>'keeper_id' = p->>'keeper_id'
     AND a->'statement'->>'key_id' = p->>'key_id'
     AND a->'statement'->>'public_key' = p->>'public_key'
     AND coalesce(a->>'signature', '') ~ '^[A-Za-z0-9+/]{85}[AQgw]==$'
     AND EXISTS (SELECT 1 FROM keeper_keys kk
                  WHERE kk.keeper_id = a->>'keeper_id' AND kk.key_id = a->>'key_id'
                    AND kk.active_from <= NEW.authority_timestamp
                    AND (kk.active_until IS NULL OR NEW.authority_timestamp < kk.active_until));
  IF approvers < quorum THEN
    RAISE EXCEPTION 'CT-12: keeper.key_registered at sequence % has approvals from % distinct active keepers; the quorum is %', NEW.sequence, approvers, quorum
      USING ERRCODE = 'A7209';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION validate_keeper_key_registration() IS 'CT-12: a keeper key registration is approved by the keeper quorum, or is a marked bootstrap while no quorum exists.';
CREATE TRIGGER validate_keeper_key_registration_on_insert BEFORE INSERT ON events
  FOR EACH ROW WHEN (NEW.event_type = 'keeper.key_registered') EXECUTE FUNCTION validate_keeper_key_registration();

CREATE FUNCTION require_keeper_key_registration_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM events
     WHERE event_type = 'keeper.key_registered' AND payload->>'key_id' = NEW.key_id
       AND payload->>'keeper_id' = NEW.keeper_id AND payload->>'public_key' = encode(NEW.public_key, 'hex')
  ) THEN
    RAISE EXCEPTION 'CT-12: keeper key % has no keeper.key_registered event for % with this public key; register keepers with archon72 keeper register', NEW.key_id, NEW.keeper_id
      USING ERRCODE = 'A7209';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION require_keeper_key_registration_event() IS 'CT-12: no keeper key without its recorded, approved registration event.';
CREATE TRIGGER require_keeper_key_registration_event_on_insert BEFORE INSERT ON keeper_keys
  FOR EACH ROW EXECUTE FUNCTION require_keeper_key_registration_event();

INSERT INTO schema_migrations (version, name) VALUES ('008', 'key_lifecycle');
COMMIT;
