-- 004: signature format and witness attribution, checked by the database on every insert (CT-12).
-- PostgreSQL cannot verify Ed25519, so it checks everything around the signatures: both are well-formed,
-- the signing key is registered to the agent and active at authority time, and the witness is a registered
-- witness other than the agent. `archon72 verify-db` and any outside verifier check the signatures themselves.
BEGIN;

CREATE FUNCTION validate_signature_format() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k record;
BEGIN
  -- 64 bytes in canonical padded base64: 85 free characters, one whose low four bits are zero, then ==.
  IF NEW.signature !~ '^[A-Za-z0-9+/]{85}[AQgw]==$' THEN
    RAISE EXCEPTION 'CT-12: signature at sequence % is not a 64-byte Ed25519 signature in padded base64', NEW.sequence
      USING ERRCODE = 'A7202';
  END IF;
  SELECT agent_id, active_from, active_until INTO k FROM agent_keys WHERE key_id = NEW.signing_key_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'CT-12: unknown signing key %', NEW.signing_key_id USING ERRCODE = 'A7204';
  END IF;
  IF k.agent_id <> NEW.agent_id THEN
    RAISE EXCEPTION 'CT-12: signing key % belongs to %, not %', NEW.signing_key_id, k.agent_id, NEW.agent_id
      USING ERRCODE = 'A7204';
  END IF;
  IF NEW.authority_timestamp < k.active_from OR (k.active_until IS NOT NULL AND NEW.authority_timestamp >= k.active_until) THEN
    RAISE EXCEPTION 'CT-12: signing key % is not active at %', NEW.signing_key_id, NEW.authority_timestamp
      USING ERRCODE = 'A7204';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION validate_signature_format() IS 'CT-12: agent signature well-formed; signing key registered to the agent and active at authority time.';

CREATE FUNCTION validate_witness_attribution() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.witness_id !~ '^WITNESS:[A-Za-z0-9][A-Za-z0-9_.\-]*$' THEN
    RAISE EXCEPTION 'CT-12: witness_id at sequence % must start with WITNESS:', NEW.sequence USING ERRCODE = 'A7203';
  END IF;
  IF NEW.witness_signature !~ '^[A-Za-z0-9+/]{85}[AQgw]==$' THEN
    RAISE EXCEPTION 'CT-12: witness_signature at sequence % is not a 64-byte Ed25519 signature in padded base64', NEW.sequence
      USING ERRCODE = 'A7203';
  END IF;
  IF NEW.witness_id = NEW.agent_id THEN
    RAISE EXCEPTION 'CT-12: % cannot witness its own event (sequence %)', NEW.agent_id, NEW.sequence USING ERRCODE = 'A7203';
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM agent_keys
     WHERE agent_id = NEW.witness_id AND active_from <= NEW.authority_timestamp
       AND (active_until IS NULL OR NEW.authority_timestamp < active_until)
  ) THEN
    RAISE EXCEPTION 'CT-12: witness % has no key active at %', NEW.witness_id, NEW.authority_timestamp USING ERRCODE = 'A7203';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION validate_witness_attribution() IS 'CT-12: every event names a registered witness (WITNESS:…, not its own agent) with a well-formed signature.';

CREATE TRIGGER validate_signature_format_on_insert BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION validate_signature_format();
CREATE TRIGGER validate_witness_attribution_on_insert BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION validate_witness_attribution();

INSERT INTO schema_migrations (version, name) VALUES ('004', 'witness_validation');
COMMIT;
