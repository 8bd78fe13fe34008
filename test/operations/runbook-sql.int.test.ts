import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../../src/adapters/postgres/migrator.js';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { psql, psqlRows } from '../support/psql.js';

/**
 * The runbook's SQL, verbatim, as operators type it into psql (§4.1–§4.4, §9.2, §11.4), against a database
 * migrated with plain psql and then written to by the service.
 */
const RUNBOOK = {
  tables: `SELECT table_name FROM information_schema.tables
WHERE table_schema = 'public';`,
  triggers: `SELECT trigger_name, event_manipulation, action_statement
FROM information_schema.triggers
WHERE trigger_schema = 'public';`,
  haltState: `SELECT * FROM halt_state;`,
  registerKey: `INSERT INTO agent_keys (id, agent_id, key_id, public_key, active_from, created_at)
VALUES (
  gen_random_uuid(),
  'SYSTEM:EVENT_WRITER',
  'hsm-key-id-here',
  '\\x...'::bytea,  -- 32-byte Ed25519 public key
  NOW(),
  NOW()
);`,
  maxSequence: `SELECT MAX(sequence) FROM events;`,
  storeHealth: `SELECT COUNT(*), MIN(sequence), MAX(sequence) FROM events;`,
  chainGaps: `SELECT sequence, prev_hash, content_hash
FROM events
WHERE sequence > 1
  AND prev_hash != (
    SELECT content_hash FROM events e2
    WHERE e2.sequence = events.sequence - 1
  );`,
  activeKeys: `SELECT agent_id, key_id, active_from, active_until
FROM agent_keys
WHERE active_until IS NULL;`,
} as const;

/** Statements only this implementation's runbook has (§4.4 pool floors, §6.4 dev watermarks). */
const OURS = {
  raiseFloor: `UPDATE constitutional_config SET value = 9 WHERE key = 'witness_pool_minimum';`,
  lowerFloor: `UPDATE constitutional_config SET value = 5 WHERE key = 'witness_pool_minimum';`,
  devSigned: `SELECT count(*) FROM events WHERE signing_key_id LIKE 'dev-%';`,
} as const;

const SEED_RUNBOOK = join(process.cwd(), '..', 'shared', 'seed', 'deployment-runbook.md');
const OUR_RUNBOOK = join(process.cwd(), 'docs', 'operations', 'deployment-runbook.md');
const run = await shouldRunPostgres('runbook SQL');

describe.runIf(run)('runbook SQL against a migrated database', () => {
  let db: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    // §4.1: the migrations, in order, with plain psql.
    for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort()) {
      psql(db.url, ['-f', join(MIGRATIONS_DIR, file)]);
    }
    stack = await createTestStack({ kind: 'postgresql', url: db.url });
    for (let i = 0; i < 5; i++) await stack.appender.append(await stack.submission({ payload: { i } }));
  });
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('quotes this implementation\'s runbook exactly', () => {
    const ours = readFileSync(OUR_RUNBOOK, 'utf8');
    for (const [name, sql] of Object.entries(RUNBOOK)) {
      if (name === 'registerKey') continue; // ours shows the key as '\x<64 hex digits>' instead of the seed's '\x...'
      expect(ours.includes(sql), `docs/operations runbook quotes ${name} verbatim`).toBe(true);
    }
  });

  it('quotes its own statements exactly', () => {
    const ours = readFileSync(OUR_RUNBOOK, 'utf8');
    for (const [name, sql] of Object.entries(OURS)) expect(ours.includes(sql), `docs/operations runbook quotes ${name} verbatim`).toBe(true);
  });

  it('§4.4 the witness pool floors can be raised, never lowered below the constitution, with the error the runbook shows', () => {
    psql(db.url, ['-c', OURS.raiseFloor]);
    expect(() => psql(db.url, ['-c', OURS.lowerFloor])).toThrow(/ERROR:  CT-12: witness_pool_minimum = 5 is below its constitutional floor 6/);
    expect(psqlRows(db.url, `SELECT value FROM constitutional_config WHERE key = 'witness_pool_minimum'`)).toEqual([['9']]);
    psql(db.url, ['-c', `UPDATE constitutional_config SET value = 6 WHERE key = 'witness_pool_minimum';`]);
  });

  it('§6.4 counts development-signed events (this development-provisioned log has all of them)', () => {
    expect(psqlRows(db.url, OURS.devSigned)).toEqual([['5']]);
  });

  it.runIf(existsSync(SEED_RUNBOOK))('quotes the seed runbook exactly', () => {
    const seed = readFileSync(SEED_RUNBOOK, 'utf8');
    for (const [name, sql] of Object.entries(RUNBOOK)) expect(seed.includes(sql), `seed runbook quotes ${name} verbatim`).toBe(true);
  });

  it('§4.2 lists the expected tables', () => {
    const tables = psqlRows(db.url, RUNBOOK.tables).map((r) => r[0]);
    for (const t of ['events', 'agent_keys', 'keeper_keys', 'halt_state', 'clock_drift_warnings', 'constitutional_config']) expect(tables).toContain(t);
  });

  it('§4.2 lists the expected triggers', () => {
    const triggers = psqlRows(db.url, RUNBOOK.triggers).map((r) => r[0]);
    for (const t of [
      'prevent_event_update',
      'prevent_event_delete',
      'verify_hash_chain_on_insert',
      'validate_witness_attribution_on_insert',
      'validate_signature_format_on_insert',
      'log_clock_drift_on_insert',
    ]) {
      expect(triggers).toContain(t);
    }
  });

  it('§4.2 UPDATE and DELETE on events fail', () => {
    expect(() => psql(db.url, ['-c', `UPDATE events SET event_type = 'x.y' WHERE sequence = 1;`])).toThrow(/CT-13: events is append-only: UPDATE/);
    expect(() => psql(db.url, ['-c', `DELETE FROM events WHERE sequence = 1;`])).toThrow(/CT-13: events is append-only: DELETE/);
    expect(() => psql(db.url, ['-c', `TRUNCATE events;`])).toThrow(/CT-13: events is append-only: TRUNCATE/);
  });

  it('§4.3 halt_state holds exactly the singleton, not halted, no reason', () => {
    const rows = psqlRows(db.url, `SELECT id, is_halted, reason IS NULL FROM halt_state;`);
    expect(rows).toEqual([['00000000-0000-0000-0000-000000000001', 'f', 't']]);
    expect(psqlRows(db.url, RUNBOOK.haltState)).toHaveLength(1);
    expect(() => psql(db.url, ['-c', `INSERT INTO halt_state (id) VALUES (gen_random_uuid());`])).toThrow(/halt_state_id_check/);
  });

  it('§4.4 registers a key with a 32-byte public key, and refuses one of another length', async () => {
    // On a database of its own: there SYSTEM:EVENT_WRITER has no key yet, as at a first deployment.
    const fresh = await createTestDatabase();
    try {
      for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{3}_.*\.sql$/.test(f)).sort()) psql(fresh.url, ['-f', join(MIGRATIONS_DIR, file)]);
      psql(fresh.url, ['-c', RUNBOOK.registerKey.replace('\\x...', `\\x${'ab'.repeat(32)}`)]);
      expect(psqlRows(fresh.url, `SELECT agent_id, octet_length(public_key) FROM agent_keys WHERE key_id = 'hsm-key-id-here'`)).toEqual([['SYSTEM:EVENT_WRITER', '32']]);
      const wrongLength = RUNBOOK.registerKey.replace('hsm-key-id-here', 'other').replace("'SYSTEM:EVENT_WRITER'", "'SYSTEM:OTHER'").replace('\\x...', '\\xabcd');
      expect(() => psql(fresh.url, ['-c', wrongLength])).toThrow(/public_key_check/);
      // A second open key for the same actor is refused: close the first one (rotation) before registering another.
      const second = RUNBOOK.registerKey.replace('hsm-key-id-here', 'hsm-key-2').replace('\\x...', `\\x${'cd'.repeat(32)}`);
      expect(() => psql(fresh.url, ['-c', second])).toThrow(/agent_keys_one_open_key_idx/);
    } finally {
      await fresh.drop();
    }
  });

  it('§9.2 and §11.4 report a healthy store with no chain gaps', () => {
    expect(psqlRows(db.url, RUNBOOK.maxSequence)).toEqual([['5']]);
    expect(psqlRows(db.url, RUNBOOK.storeHealth)).toEqual([['5', '1', '5']]);
    expect(psqlRows(db.url, RUNBOOK.chainGaps)).toEqual([]);
    expect(psqlRows(db.url, RUNBOOK.haltState)).toHaveLength(1);
    const active = psqlRows(db.url, RUNBOOK.activeKeys).map((r) => r[0]);
    expect(active).toContain('SYSTEM:EVENT_WRITER');
    expect(active.filter((a) => a?.startsWith('WITNESS:'))).toHaveLength(12);
  });
});
