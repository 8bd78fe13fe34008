import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../../src/adapters/postgres/migrator.js';
import { createPgClient } from '../../src/adapters/postgres/pg-client.js';
import { StoreError } from '../../src/domain/errors.js';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { psql } from '../support/psql.js';
import { expectRejection } from '../support/expect-rejection.js';
import { MerkleTreeAppender } from '../../src/app/merkle/tree-appender.js';
import { Checkpointer } from '../../src/app/merkle/checkpointer.js';
import { createPgMerkleStore } from '../../src/adapters/postgres/pg-merkle-store.js';
import { createPgCheckpointStore } from '../../src/adapters/postgres/pg-checkpoint-store.js';
import { LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import type { SqlClient } from '../../src/adapters/postgres/sql-client.js';

const run = await shouldRunPostgres('archon72_app role');

/** migrations/roles.sql: the service role can read and append, and nothing more (runbook §3.1, §7.3). */
describe.runIf(run)('the archon72_app role', () => {
  let db: TestDatabase;
  let owner: TestStack;
  let app: SqlClient;
  let appStack: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = await createTestStack({ kind: 'postgresql', url: db.url });
    await owner.appender.append(await owner.submission());
    psql(db.url, ['-f', join(MIGRATIONS_DIR, 'roles.sql')]);
    psql(db.url, ['-f', join(MIGRATIONS_DIR, 'roles.sql')]); // idempotent
    const appUrl = new URL(db.url);
    appUrl.username = 'archon72_app';
    app = createPgClient({ connectionString: appUrl.toString() });
    appStack = await createTestStack({ kind: 'postgresql', url: appUrl.toString() }, { dataDir: owner.dataDir });
  });
  afterAll(async () => {
    await appStack?.close();
    await app?.close();
    await owner?.close(); // owns (and removes) the shared data directory
    await db?.drop();
  });

  it('appends events, registers keys and records clock drift', async () => {
    const stored = await appStack.appender.append(await appStack.submission({ localTimestamp: '2021-01-01T00:00:00.000000Z' }, 'agent-role-test'));
    expect(stored.sequence).toBe(2);
    expect(await app.query('SELECT event_sequence FROM clock_drift_warnings')).toEqual([{ event_sequence: 2 }]);
  });

  it('cannot UPDATE, DELETE or TRUNCATE events: permission denied before any trigger', async () => {
    for (const sql of [`UPDATE events SET event_type = 'x.y'`, 'DELETE FROM events', 'TRUNCATE events']) {
      const err = await expectRejection(app.query(sql), StoreError, 'STORE_FAILED');
      expect(err.message).toMatch(/permission denied/);
    }
  });

  it('cannot delete keys or change anything but active_until', async () => {
    await expectRejection(app.query('DELETE FROM agent_keys'), StoreError, 'STORE_FAILED');
    await expectRejection(app.query(`UPDATE agent_keys SET public_key = public_key`), StoreError, 'STORE_FAILED');
  });

  it('cannot switch triggers off, by ALTER TABLE or session_replication_role', async () => {
    await expectRejection(app.query('ALTER TABLE events DISABLE TRIGGER USER'), StoreError, 'STORE_FAILED');
    await expectRejection(app.query(`SET session_replication_role = replica`), StoreError, 'STORE_FAILED');
  });

  it('appends the Merkle tree and checkpoints (migration 011), and cannot change or remove them', async () => {
    await appStack.keyFor(LOG_SIGNER_ID);
    const merkle = createPgMerkleStore(appStack.client);
    const checkpointer = new Checkpointer(
      { tree: new MerkleTreeAppender(merkle), merkle, checkpoints: createPgCheckpointStore(appStack.client), custody: appStack.custody, keys: appStack.keys, verify: verifyEd25519Sodium, clock: systemClock, integrityFault: () => undefined, log: () => undefined },
      { origin: 'archon72.invalid/roles', everyEvents: 1, intervalSeconds: 60 },
    );
    expect((await checkpointer.publishNow())?.treeSize).toBeGreaterThan(0);
    await app.query(`INSERT INTO cosignatures (tree_size, cosigner, key_id, cosigned_at, signature) SELECT tree_size, 'w.example', '\\x01020304', 1, decode(repeat('00', 64), 'hex') FROM checkpoints`);
    for (const table of ['merkle_nodes', 'checkpoints', 'cosignatures']) {
      for (const sql of [`UPDATE ${table} SET ${table === 'merkle_nodes' ? 'level = level' : 'tree_size = tree_size'}`, `DELETE FROM ${table}`, `TRUNCATE ${table} CASCADE`]) {
        const err = await expectRejection(app.query(sql), StoreError, 'STORE_FAILED');
        expect(err.message).toMatch(/permission denied/);
      }
    }
  });

  it('cannot change the constitutional configuration or migration history', async () => {
    await expectRejection(app.query(`UPDATE constitutional_config SET value = 0`), StoreError, 'STORE_FAILED');
    await expectRejection(app.query(`DELETE FROM schema_migrations`), StoreError, 'STORE_FAILED');
  });
});
