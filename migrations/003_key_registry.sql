-- 003: the key registry (runbook §3.3, §4.4). Keys are never deleted (FR76): a key is retired by closing it
-- with active_until, and history signed while it was active keeps verifying.
BEGIN;

CREATE TABLE agent_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id     text NOT NULL CHECK (length(agent_id) <= 128 AND agent_id ~ '^[A-Za-z0-9][A-Za-z0-9:_.\-]*$'
                               AND (agent_id NOT LIKE 'WITNESS:%' OR agent_id ~ '^WITNESS:[A-Za-z0-9][A-Za-z0-9_.\-]*$')),
  key_id       text NOT NULL UNIQUE CHECK (length(key_id) <= 128 AND key_id ~ '^[A-Za-z0-9][A-Za-z0-9:_.\-]*$'),
  public_key   bytea NOT NULL CHECK (octet_length(public_key) = 32),
  active_from  timestamptz NOT NULL DEFAULT now(),
  active_until timestamptz CHECK (active_until IS NULL OR active_until >= active_from),
  created_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE agent_keys IS 'Ed25519 public keys of agents (agent-{uuid}), system services (SYSTEM:{service}) and witnesses (WITNESS:{id}). Never deleted (FR76).';
COMMENT ON COLUMN agent_keys.id IS 'Row id.';
COMMENT ON COLUMN agent_keys.agent_id IS 'Actor the key belongs to; witness ids are WITNESS: followed by letters, digits, _ . -';
COMMENT ON COLUMN agent_keys.key_id IS 'Custody key id (HSM object id, or dev-… for development keys); events name it in signing_key_id.';
COMMENT ON COLUMN agent_keys.public_key IS 'Raw 32-byte Ed25519 public key (RFC 8032).';
COMMENT ON COLUMN agent_keys.active_from IS 'First instant (inclusive) at which the key may sign; later than the last stored event when registered.';
COMMENT ON COLUMN agent_keys.active_until IS 'Instant (exclusive) from which the key may no longer sign; NULL while the key is open. Set once, never changed.';
COMMENT ON COLUMN agent_keys.created_at IS 'When the row was registered.';
CREATE INDEX agent_keys_agent_id_idx ON agent_keys (agent_id);
-- One open key per actor: a rotation closes the old key before (or as) it registers the new one, so which key an
-- actor signs with is never ambiguous.
CREATE UNIQUE INDEX agent_keys_one_open_key_idx ON agent_keys (agent_id) WHERE active_until IS NULL;

CREATE TABLE keeper_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  keeper_id    text NOT NULL CHECK (length(keeper_id) <= 128 AND keeper_id ~ '^KEEPER:[A-Za-z0-9][A-Za-z0-9_.\-]*$'),
  key_id       text NOT NULL UNIQUE CHECK (length(key_id) <= 128 AND key_id ~ '^[A-Za-z0-9][A-Za-z0-9:_.\-]*$'),
  public_key   bytea NOT NULL CHECK (octet_length(public_key) = 32),
  active_from  timestamptz NOT NULL DEFAULT now(),
  active_until timestamptz CHECK (active_until IS NULL OR active_until >= active_from),
  created_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE keeper_keys IS 'Ed25519 public keys of the human Keepers (KEEPER:{name}); the private keys never reach the server. Never deleted (FR76).';
COMMENT ON COLUMN keeper_keys.id IS 'Row id.';
COMMENT ON COLUMN keeper_keys.keeper_id IS 'Keeper the key belongs to, KEEPER:{name}.';
COMMENT ON COLUMN keeper_keys.key_id IS 'Key id the keeper signs under.';
COMMENT ON COLUMN keeper_keys.public_key IS 'Raw 32-byte Ed25519 public key.';
COMMENT ON COLUMN keeper_keys.active_from IS 'First instant (inclusive) at which the key may sign.';
COMMENT ON COLUMN keeper_keys.active_until IS 'Instant (exclusive) from which the key may no longer sign; NULL while open. Set once, never changed.';
COMMENT ON COLUMN keeper_keys.created_at IS 'When the row was registered.';
CREATE INDEX keeper_keys_keeper_id_idx ON keeper_keys (keeper_id);
CREATE UNIQUE INDEX keeper_keys_one_open_key_idx ON keeper_keys (keeper_id) WHERE active_until IS NULL;

-- FR76: no key row is ever deleted or truncated away.
CREATE FUNCTION reject_key_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'FR76: keys are never deleted (% on %); close a key by setting active_until', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'A7206';
END;
$$;
COMMENT ON FUNCTION reject_key_deletion() IS 'FR76: refuses DELETE and TRUNCATE on key tables.';

-- Key windows decide which signatures verify, so a key change must never reach into the log's past: a key opens
-- and closes only after the last stored event. The check takes the append lock (the same advisory lock appends
-- take, see src/adapters/postgres/pg-event-store.ts), so no append can slip in between the check and the commit.
CREATE FUNCTION require_key_window_after_head(window_edge timestamptz, what text, key_id text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  head_time timestamptz;
BEGIN
  -- Under REPEATABLE READ or SERIALIZABLE the read below would use a snapshot taken before the lock was granted
  -- and could miss an append committed while waiting: refuse rather than check against a stale head.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'FR76: key changes must run at READ COMMITTED isolation (this transaction is %)', current_setting('transaction_isolation')
      USING ERRCODE = 'A7206';
  END IF;
  PERFORM pg_advisory_xact_lock(72000001);
  SELECT authority_timestamp INTO head_time FROM events ORDER BY sequence DESC LIMIT 1;
  IF head_time IS NOT NULL AND window_edge <= head_time THEN
    RAISE EXCEPTION 'FR76: key % cannot % at %, at or before the last stored event (%); keys never change the past', key_id, what, window_edge, head_time
      USING ERRCODE = 'A7206', HINT = 'Use clock_timestamp() (or now() in a fresh transaction) for active_from and active_until.';
  END IF;
END;
$$;
COMMENT ON FUNCTION require_key_window_after_head(timestamptz, text, text) IS 'FR76: key windows open and close only after the last stored event; serialised with appends.';

CREATE FUNCTION guard_new_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM require_key_window_after_head(NEW.active_from, 'become active', NEW.key_id);
  IF NEW.active_until IS NOT NULL THEN
    PERFORM require_key_window_after_head(NEW.active_until, 'be closed', NEW.key_id);
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION guard_new_key() IS 'FR76: a new key may not be active at any time the log already covers.';

-- A key row is history: the only change ever allowed is closing an open key (active_until NULL -> a time).
CREATE FUNCTION protect_key_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.active_until IS NOT NULL THEN
    RAISE EXCEPTION 'FR76: key % is already closed; a closed key never changes', OLD.key_id USING ERRCODE = 'A7206';
  END IF;
  -- Compare whole rows minus active_until, so a column added later is protected without editing this.
  IF to_jsonb(NEW) - 'active_until' IS DISTINCT FROM to_jsonb(OLD) - 'active_until' THEN
    RAISE EXCEPTION 'FR76: key % may only be closed (set active_until); other columns never change', OLD.key_id
      USING ERRCODE = 'A7206';
  END IF;
  IF NEW.active_until IS NOT NULL THEN
    PERFORM require_key_window_after_head(NEW.active_until, 'be closed', OLD.key_id);
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION protect_key_history() IS 'FR76: key rows are immutable except for closing an open key once.';

CREATE TRIGGER prevent_agent_key_delete BEFORE DELETE ON agent_keys FOR EACH ROW EXECUTE FUNCTION reject_key_deletion();
CREATE TRIGGER prevent_agent_key_truncate BEFORE TRUNCATE ON agent_keys FOR EACH STATEMENT EXECUTE FUNCTION reject_key_deletion();
CREATE TRIGGER protect_agent_key_history BEFORE UPDATE ON agent_keys FOR EACH ROW EXECUTE FUNCTION protect_key_history();
CREATE TRIGGER guard_new_agent_key BEFORE INSERT ON agent_keys FOR EACH ROW EXECUTE FUNCTION guard_new_key();
CREATE TRIGGER prevent_keeper_key_delete BEFORE DELETE ON keeper_keys FOR EACH ROW EXECUTE FUNCTION reject_key_deletion();
CREATE TRIGGER prevent_keeper_key_truncate BEFORE TRUNCATE ON keeper_keys FOR EACH STATEMENT EXECUTE FUNCTION reject_key_deletion();
CREATE TRIGGER protect_keeper_key_history BEFORE UPDATE ON keeper_keys FOR EACH ROW EXECUTE FUNCTION protect_key_history();
CREATE TRIGGER guard_new_keeper_key BEFORE INSERT ON keeper_keys FOR EACH ROW EXECUTE FUNCTION guard_new_key();

REVOKE DELETE, TRUNCATE ON agent_keys, keeper_keys FROM PUBLIC;

INSERT INTO schema_migrations (version, name) VALUES ('003', 'key_registry');
COMMIT;
