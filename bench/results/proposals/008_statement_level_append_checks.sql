-- PROPOSAL ONLY (not applied; measured by bench/append.bench.ts in a scratch copy). Not a migration of this repository.
-- 008 (EXPERIMENT, benchmark only): the per-row insert checks of 002, 004 and 005 as one statement-level
-- trigger over the inserted rows (transition table), so a batch of N events costs one PL/pgSQL call and a
-- handful of set-based queries instead of 4 N trigger calls. Same rules, same SQLSTATEs.
BEGIN;

DROP TRIGGER verify_hash_chain_on_insert ON events;
DROP TRIGGER validate_signature_format_on_insert ON events;
DROP TRIGGER validate_witness_attribution_on_insert ON events;
DROP TRIGGER log_clock_drift_on_insert ON events;

CREATE FUNCTION check_appended_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  first_sequence bigint;
  last_sequence bigint;
  pred record;
  bad record;
  threshold numeric;
BEGIN
  SELECT min(sequence), max(sequence) INTO first_sequence, last_sequence FROM new_rows;
  IF first_sequence IS NULL THEN
    RETURN NULL;
  END IF;
  -- The batch must be the tail of the log: nothing stored after it (rows of this statement are visible here).
  IF (SELECT max(sequence) FROM events) <> last_sequence THEN
    RAISE EXCEPTION 'FR82: sequence gap: events were inserted before the head' USING ERRCODE = 'A7201';
  END IF;
  SELECT e.sequence, e.content_hash, e.authority_timestamp INTO pred
    FROM events e WHERE e.sequence < first_sequence ORDER BY e.sequence DESC LIMIT 1;

  SELECT * INTO bad FROM (
    WITH n AS (
      SELECT r.*, lag(r.sequence) OVER w AS p_sequence, lag(r.content_hash) OVER w AS p_hash,
             lag(r.authority_timestamp) OVER w AS p_time
        FROM new_rows r WINDOW w AS (ORDER BY r.sequence)
    )
    SELECT n.sequence, n.agent_id, n.signing_key_id, n.witness_id, n.authority_timestamp, k.agent_id AS key_agent,
      coalesce(n.p_sequence, pred.sequence, 0) + 1 AS expected_sequence,
      CASE
        WHEN n.content_hash !~ '^[0-9a-f]{64}$' OR n.prev_hash !~ '^[0-9a-f]{64}$' THEN 'hash_format'
        WHEN n.sequence <> coalesce(n.p_sequence, pred.sequence, 0) + 1 THEN 'gap'
        WHEN n.prev_hash <> coalesce(n.p_hash, pred.content_hash, repeat('0', 64)) THEN 'prev_hash'
        WHEN n.authority_timestamp < coalesce(n.p_time, pred.authority_timestamp, '-infinity') THEN 'backwards'
        WHEN n.authority_timestamp < now() OR n.authority_timestamp > clock_timestamp() THEN 'clock'
        WHEN n.signature !~ '^[A-Za-z0-9+/]{85}[AQgw]==$' THEN 'signature_format'
        WHEN k.key_id IS NULL THEN 'key_unknown'
        WHEN k.agent_id <> n.agent_id THEN 'key_agent'
        WHEN n.authority_timestamp < k.active_from OR (k.active_until IS NOT NULL AND n.authority_timestamp >= k.active_until) THEN 'key_inactive'
        WHEN n.witness_id !~ '^WITNESS:[A-Za-z0-9][A-Za-z0-9_.\-]*$' THEN 'witness_id'
        WHEN n.witness_signature !~ '^[A-Za-z0-9+/]{85}[AQgw]==$' THEN 'witness_signature'
        WHEN n.witness_id = n.agent_id THEN 'self_witness'
        WHEN NOT EXISTS (
          SELECT 1 FROM agent_keys w
           WHERE w.agent_id = n.witness_id AND w.active_from <= n.authority_timestamp
             AND (w.active_until IS NULL OR n.authority_timestamp < w.active_until)) THEN 'witness_inactive'
      END AS problem
      FROM n LEFT JOIN agent_keys k ON k.key_id = n.signing_key_id
  ) AS checked WHERE problem IS NOT NULL ORDER BY sequence LIMIT 1;
  IF FOUND THEN
    CASE bad.problem
      WHEN 'hash_format' THEN
        RAISE EXCEPTION 'FR82: content_hash and prev_hash must be 64 lowercase hex digits (sequence %)', bad.sequence USING ERRCODE = 'A7201';
      WHEN 'gap' THEN
        IF bad.expected_sequence = 1 THEN
          RAISE EXCEPTION 'FR82: sequence gap: the log is empty, so the next sequence is 1, not %', bad.sequence USING ERRCODE = 'A7201';
        END IF;
        RAISE EXCEPTION 'FR82: sequence gap: the next sequence is %, not %', bad.expected_sequence, bad.sequence USING ERRCODE = 'A7201';
      WHEN 'prev_hash' THEN
        IF bad.sequence = 1 THEN
          RAISE EXCEPTION 'FR82: prev_hash mismatch at sequence 1: the genesis prev_hash is 64 zeros' USING ERRCODE = 'A7201';
        END IF;
        RAISE EXCEPTION 'FR82: prev_hash mismatch at sequence %', bad.sequence USING ERRCODE = 'A7201';
      WHEN 'backwards' THEN
        RAISE EXCEPTION 'FR82: authority_timestamp runs backwards at sequence %', bad.sequence USING ERRCODE = 'A7201';
      WHEN 'clock' THEN
        RAISE EXCEPTION 'FR82: authority_timestamp at sequence % must be read from the database clock inside the inserting transaction', bad.sequence USING ERRCODE = 'A7201';
      WHEN 'signature_format' THEN
        RAISE EXCEPTION 'CT-12: signature at sequence % is not a 64-byte Ed25519 signature in padded base64', bad.sequence USING ERRCODE = 'A7202';
      WHEN 'key_unknown' THEN
        RAISE EXCEPTION 'CT-12: unknown signing key %', bad.signing_key_id USING ERRCODE = 'A7204';
      WHEN 'key_agent' THEN
        RAISE EXCEPTION 'CT-12: signing key % belongs to %, not %', bad.signing_key_id, bad.key_agent, bad.agent_id USING ERRCODE = 'A7204';
      WHEN 'key_inactive' THEN
        RAISE EXCEPTION 'CT-12: signing key % is not active at %', bad.signing_key_id, bad.authority_timestamp USING ERRCODE = 'A7204';
      WHEN 'witness_id' THEN
        RAISE EXCEPTION 'CT-12: witness_id at sequence % must start with WITNESS:', bad.sequence USING ERRCODE = 'A7203';
      WHEN 'witness_signature' THEN
        RAISE EXCEPTION 'CT-12: witness_signature at sequence % is not a 64-byte Ed25519 signature in padded base64', bad.sequence USING ERRCODE = 'A7203';
      WHEN 'self_witness' THEN
        RAISE EXCEPTION 'CT-12: % cannot witness its own event (sequence %)', bad.agent_id, bad.sequence USING ERRCODE = 'A7203';
      ELSE
        RAISE EXCEPTION 'CT-12: witness % has no key active at %', bad.witness_id, bad.authority_timestamp USING ERRCODE = 'A7203';
    END CASE;
  END IF;

  SELECT value INTO threshold FROM constitutional_config WHERE key = 'clock_drift_threshold_seconds';
  threshold := coalesce(threshold, 5);
  INSERT INTO clock_drift_warnings (event_sequence, event_id, agent_id, local_timestamp, authority_timestamp, drift_seconds, threshold_seconds)
  SELECT sequence, event_id, agent_id, local_timestamp, authority_timestamp, extract(epoch FROM authority_timestamp - local_timestamp), threshold
    FROM new_rows WHERE abs(extract(epoch FROM authority_timestamp - local_timestamp)) > threshold;
  RETURN NULL;
END;
$$;

CREATE TRIGGER check_appended_events_on_insert AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION check_appended_events();

INSERT INTO schema_migrations (version, name) VALUES ('008', 'statement_level_append_checks');
COMMIT;
