-- 010: constitutional limits on every governance threshold, a database trail of attempts to weaken them, and the
-- record of pre-operational verification (FR146).
--
-- Limits: each setting in constitutional_config has a floor (a smaller value is weaker) or a ceiling (a larger
-- value is weaker), or both. A write outside its limits is refused (A7208) and, before the refusal, counted in the
-- sequence constitutional_limit_violation_attempts. Sequences are not transactional, so the count survives the
-- refusal's rollback: every running instance watches it and halts the system when it moves (runbook §11.1
-- StartupFloorViolationError: a runtime change below its floor is refused and halts). No session setting, role
-- or application_name is consulted.
BEGIN;

INSERT INTO constitutional_config (key, value, description) VALUES
  ('checkpoint_max_age_seconds', 3600, 'Oldest a latest checkpoint may be, in seconds, while events exist, before pre-operational verification fails; the constitutional ceiling is 86400.'),
  ('halt_confirmation_window_ms', 1000, 'Longest an instance may go without confirming the halt state in the database, in milliseconds (HALT_POLL_MS may not exceed it); the constitutional ceiling is 5000.'),
  ('event_timestamp_window_seconds', 300, 'How far an agent submission''s local_timestamp may be from the server clock, in seconds, before it is refused as a possible replay; the constitutional ceiling is 900.');

CREATE OR REPLACE FUNCTION constitutional_floor(setting text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE setting
    WHEN 'minimum_keeper_quorum' THEN 2
    WHEN 'witness_pool_minimum' THEN 6
    WHEN 'witness_pool_high_stakes_minimum' THEN 12
    WHEN 'clock_drift_threshold_seconds' THEN 0
    WHEN 'checkpoint_max_age_seconds' THEN 1
    WHEN 'halt_confirmation_window_ms' THEN 50
    WHEN 'event_timestamp_window_seconds' THEN 1
  END;
$$;
COMMENT ON FUNCTION constitutional_floor(text) IS 'The smallest value a constitutional_config setting may take, or NULL when it has none.';

CREATE FUNCTION constitutional_ceiling(setting text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE setting
    WHEN 'clock_drift_threshold_seconds' THEN 60
    WHEN 'checkpoint_max_age_seconds' THEN 86400
    WHEN 'halt_confirmation_window_ms' THEN 5000
    WHEN 'event_timestamp_window_seconds' THEN 900
  END;
$$;
COMMENT ON FUNCTION constitutional_ceiling(text) IS 'The largest value a constitutional_config setting may take (a larger one is weaker), or NULL when it has none.';

CREATE SEQUENCE constitutional_limit_violation_attempts;
COMMENT ON SEQUENCE constitutional_limit_violation_attempts IS 'Counts refused writes to constitutional_config (outside a limit, or deleting a limited setting); survives the refusal''s rollback. Instances halt when it moves.';

-- SECURITY DEFINER: whoever attempts the change is counted, whatever their privileges on the sequence.
CREATE FUNCTION count_constitutional_limit_violation() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  SELECT nextval('constitutional_limit_violation_attempts');
$$;
COMMENT ON FUNCTION count_constitutional_limit_violation() IS 'Counts one refused write to constitutional_config.';

CREATE OR REPLACE FUNCTION enforce_constitutional_floor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF constitutional_floor(OLD.key) IS NOT NULL OR constitutional_ceiling(OLD.key) IS NOT NULL THEN
      PERFORM count_constitutional_limit_violation();
      RAISE EXCEPTION 'CT-12: constitutional setting % cannot be deleted (the attempt is counted and halts the system)', OLD.key USING ERRCODE = 'A7208';
    END IF;
    RETURN OLD;
  END IF;
  IF constitutional_floor(NEW.key) IS NOT NULL AND NEW.value < constitutional_floor(NEW.key) THEN
    PERFORM count_constitutional_limit_violation();
    RAISE EXCEPTION 'CT-12: % = % is below its constitutional floor % (the attempt is counted and halts the system)', NEW.key, NEW.value, constitutional_floor(NEW.key)
      USING ERRCODE = 'A7208';
  END IF;
  IF constitutional_ceiling(NEW.key) IS NOT NULL AND NEW.value > constitutional_ceiling(NEW.key) THEN
    PERFORM count_constitutional_limit_violation();
    RAISE EXCEPTION 'CT-12: % = % is above its constitutional ceiling % (the attempt is counted and halts the system)', NEW.key, NEW.value, constitutional_ceiling(NEW.key)
      USING ERRCODE = 'A7208';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION enforce_constitutional_floor() IS 'Refuses constitutional_config values outside their floor or ceiling, and deleting a limited setting; counts each refusal.';

-- Which attempts the service has already answered with a halt, so a restart does not halt again for them.
CREATE TABLE constitutional_limit_watch (
  id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
  acknowledged_attempts bigint NOT NULL DEFAULT 0 CHECK (acknowledged_attempts >= 0),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE constitutional_limit_watch IS 'Singleton: how many counted limit violations have already halted the system.';
COMMENT ON COLUMN constitutional_limit_watch.id IS 'Always true: one row.';
COMMENT ON COLUMN constitutional_limit_watch.acknowledged_attempts IS 'Value of constitutional_limit_violation_attempts already answered by a halt.';
COMMENT ON COLUMN constitutional_limit_watch.updated_at IS 'When a halt last acknowledged attempts.';
INSERT INTO constitutional_limit_watch DEFAULT VALUES;

CREATE FUNCTION refuse_limit_watch_rewind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.acknowledged_attempts < OLD.acknowledged_attempts THEN
    RAISE EXCEPTION 'CT-12: constitutional_limit_watch only moves forward' USING ERRCODE = 'A7208';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION refuse_limit_watch_rewind() IS 'The acknowledged count never goes back and the row is never deleted.';
CREATE TRIGGER refuse_limit_watch_rewind_on_write BEFORE UPDATE OR DELETE ON constitutional_limit_watch
  FOR EACH ROW EXECUTE FUNCTION refuse_limit_watch_rewind();

-- FR146: every pre-operational verification, append-only. The latest passed run is where the next run's hash-chain
-- check starts (incremental); bypasses are counted here so that restarts do not reset the count.
CREATE TABLE preoperational_verifications (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at              timestamptz NOT NULL,
  completed_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
  outcome                 text NOT NULL CHECK (outcome IN ('passed', 'failed', 'bypassed')),
  post_halt               boolean NOT NULL,
  chain_from_sequence     bigint CHECK (chain_from_sequence >= 1),
  chain_through_sequence  bigint CHECK (chain_through_sequence >= 0),
  chain_through_hash      text CHECK (chain_through_hash ~ '^[0-9a-f]{64}$'),
  checks                  jsonb NOT NULL CHECK (jsonb_typeof(checks) = 'array'),
  environment             text NOT NULL,
  instance                text NOT NULL,
  CHECK ((chain_through_sequence IS NULL) = (chain_through_hash IS NULL))
);
COMMENT ON TABLE preoperational_verifications IS 'FR146: one row per pre-operational verification run at startup; never updated or deleted.';
COMMENT ON COLUMN preoperational_verifications.id IS 'Row id, in order of recording.';
COMMENT ON COLUMN preoperational_verifications.started_at IS 'When the run started.';
COMMENT ON COLUMN preoperational_verifications.completed_at IS 'When the run was recorded.';
COMMENT ON COLUMN preoperational_verifications.outcome IS 'passed, failed, or bypassed (a development service started despite a failed check, ALLOW_VERIFICATION_BYPASS).';
COMMENT ON COLUMN preoperational_verifications.post_halt IS 'True when the run followed a cleared halt, so the whole chain was verified and no bypass was possible.';
COMMENT ON COLUMN preoperational_verifications.chain_from_sequence IS 'First sequence the hash-chain check verified (NULL when it verified nothing).';
COMMENT ON COLUMN preoperational_verifications.chain_through_sequence IS 'Last sequence the hash-chain check verified, or that an earlier run had (the next run starts after it); NULL for an empty log or a failed chain.';
COMMENT ON COLUMN preoperational_verifications.chain_through_hash IS 'content_hash of chain_through_sequence as verified; the next run checks the event still has it.';
COMMENT ON COLUMN preoperational_verifications.checks IS 'Each check: {"check","status","detail"} in the order run.';
COMMENT ON COLUMN preoperational_verifications.environment IS 'ENVIRONMENT of the instance that ran it.';
COMMENT ON COLUMN preoperational_verifications.instance IS 'Host name and process id of the instance that ran it.';
CREATE INDEX preoperational_verifications_outcome_idx ON preoperational_verifications (outcome, completed_at);

CREATE FUNCTION refuse_verification_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'FR146: preoperational_verifications is append-only (% refused)', TG_OP USING ERRCODE = 'A7205';
END;
$$;
COMMENT ON FUNCTION refuse_verification_record_change() IS 'Verification records are evidence: no UPDATE or DELETE.';
CREATE TRIGGER refuse_verification_record_change_on_write BEFORE UPDATE OR DELETE ON preoperational_verifications
  FOR EACH ROW EXECUTE FUNCTION refuse_verification_record_change();
CREATE TRIGGER refuse_verification_record_truncate BEFORE TRUNCATE ON preoperational_verifications
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_verification_record_change();

INSERT INTO schema_migrations (version, name) VALUES ('010', 'preoperational_verification');
COMMIT;
