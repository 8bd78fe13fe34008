-- Least-privilege service role (runbook §3.1), tighter than the runbook's blanket grant:
-- the service may read and append events but never UPDATE, DELETE or TRUNCATE them.
-- Apply as the database owner after the numbered migrations:
--   psql -v ON_ERROR_STOP=1 -d archon72 -f migrations/roles.sql
-- then give the role a password: ALTER ROLE archon72_app PASSWORD '...';
-- Migrations are applied by the owner, never by archon72_app.
BEGIN;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'archon72_app') THEN
    CREATE ROLE archon72_app LOGIN;
  END IF;
END;
$$;

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO archon72_app', current_database());
END;
$$;
GRANT USAGE ON SCHEMA public TO archon72_app;

REVOKE ALL ON events, agent_keys, keeper_keys, halt_state, clock_drift_warnings, constitutional_config, schema_migrations,
  constitutional_limit_watch, preoperational_verifications, constitutional_limit_violation_attempts,
  merkle_nodes, checkpoints, cosignatures
  FROM archon72_app;

-- The log: read and append only.
GRANT SELECT, INSERT ON events TO archon72_app;
-- Keys: register and close (FR76: never delete).
GRANT SELECT, INSERT ON agent_keys, keeper_keys TO archon72_app;
GRANT UPDATE (active_until) ON agent_keys, keeper_keys TO archon72_app;
-- Halt: read and change the singleton row (the 007 trigger still guards clearing).
GRANT SELECT, UPDATE ON halt_state TO archon72_app;
-- Written by log_clock_drift_on_insert, which runs as the inserting role.
GRANT SELECT, INSERT ON clock_drift_warnings TO archon72_app;
-- Read-only to the service; changed by operators through migrations and ceremonies.
GRANT SELECT ON constitutional_config, schema_migrations TO archon72_app;
-- Read to watch for refused attempts to weaken a constitutional limit (migration 010); only the trigger counts them.
GRANT SELECT ON constitutional_limit_violation_attempts TO archon72_app;
-- Which attempts already halted the system: moves forward only (migration 010's trigger).
GRANT SELECT, UPDATE ON constitutional_limit_watch TO archon72_app;
-- FR146 records: append-only (migration 010's trigger).
GRANT SELECT, INSERT ON preoperational_verifications TO archon72_app;
-- The Merkle tree, checkpoints and their cosignatures: read and append only (migration 011's triggers check each row).
GRANT SELECT, INSERT ON merkle_nodes, checkpoints, cosignatures TO archon72_app;

COMMIT;
