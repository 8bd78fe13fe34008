import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { createTestStack } from '../support/test-stack.js';
import { psql } from '../support/psql.js';
import { runCli } from '../support/run-cli.js';
import { computeContentHash } from '../../src/domain/chain/content-hash.js';

const run = await shouldRunPostgres('tamper detection');

/**
 * A superuser can switch the triggers off and edit rows; the database cannot stop its own administrator.
 * `archon72 verify-db` must then report the exact sequence that was touched and exit non-zero.
 */
describe.runIf(run)('verify-db on a tampered database', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
    const stack = await createTestStack({ kind: 'postgresql', url: db.url });
    for (let i = 1; i <= 20; i++) await stack.appender.append(await stack.submission({ payload: { i, amount: 100 } }));
    await stack.close();
  });
  afterEach(async () => db?.drop());

  /** Runs `sql` with every user trigger on events switched off, as a malicious superuser would. */
  const asTamperer = (sql: string) =>
    psql(db.url, ['-c', `BEGIN; ALTER TABLE events DISABLE TRIGGER USER; ${sql}; ALTER TABLE events ENABLE TRIGGER USER; COMMIT;`]);

  const verifyDb = (...args: string[]) => runCli(['verify-db', ...args], { DATABASE_URL: db.url, DEV_MODE: 'true', ENVIRONMENT: 'development' });

  it('passes before any tampering', () => {
    const result = verifyDb();
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/OK: 20 events verified/);
  });

  it('reports an edited payload at its sequence as a content_hash mismatch', () => {
    asTamperer(`UPDATE events SET payload = '{"i": 7, "amount": 1000000}' WHERE sequence = 7`);
    const result = verifyDb();
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAULT at sequence 7: CHAIN_CONTENT_HASH_MISMATCH/);
    expect(result.stdout).toMatch(/first bad sequence: 7/);
  });

  it('reports an edit whose content_hash was recomputed as a broken agent signature', () => {
    // The tamperer recomputes content_hash for the new payload (the algorithm is public), but cannot re-sign.
    const row = JSON.parse(psql(db.url, ['-At', '-c', `SELECT row_to_json(e) FROM (SELECT sequence, event_id, event_type, agent_id, signing_key_id, signature, prev_hash,
      to_char(local_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS local_timestamp,
      to_char(authority_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS authority_timestamp FROM events WHERE sequence = 9) e`])) as Record<string, string>;
    const payload = { i: 9, amount: 999 };
    const hash = computeContentHash({
      sequence: 9,
      eventId: row.event_id!,
      eventType: row.event_type!,
      payload,
      agentId: row.agent_id!,
      signingKeyId: row.signing_key_id!,
      signature: row.signature!,
      prevHash: row.prev_hash!,
      localTimestamp: row.local_timestamp!,
      authorityTimestamp: row.authority_timestamp!,
    });
    asTamperer(`UPDATE events SET payload = '${JSON.stringify(payload)}', content_hash = '${hash}' WHERE sequence = 9`);
    const result = verifyDb();
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAULT at sequence 9: SIG_INVALID/);
  });

  it('reports a deleted event as a gap at the missing sequence', () => {
    asTamperer('DELETE FROM events WHERE sequence = 12');
    const result = verifyDb();
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAULT at sequence 12: CHAIN_SEQUENCE_GAP: FR82: sequence 12 is missing/);
  });

  it('reports a swapped witness signature', () => {
    asTamperer(`UPDATE events SET witness_signature = (SELECT witness_signature FROM events WHERE sequence = 4) WHERE sequence = 15`);
    const result = verifyDb();
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAULT at sequence 15: SIG_WITNESS_INVALID/);
  });

  it('checks only the requested range with --from and --to', () => {
    asTamperer(`UPDATE events SET payload = '{"i": 18}' WHERE sequence = 18`);
    expect(verifyDb('--from', '2', '--to', '17').status).toBe(0);
    const result = verifyDb('--from', '17');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAULT at sequence 18/);
  });
});
