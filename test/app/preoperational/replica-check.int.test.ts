import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { rmSync } from 'node:fs';
import { createPgClient } from '../../../src/adapters/postgres/pg-client.js';
import { createPgEventStore } from '../../../src/adapters/postgres/pg-event-store.js';
import { checkReplicaSync } from '../../../src/app/preoperational/replica-check.js';
import { adminQuery, createTestDatabase, shouldRunPostgres, type TestDatabase } from '../../support/services.js';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import type { SqlClient } from '../../../src/adapters/postgres/sql-client.js';

const run = await shouldRunPostgres('replica sync check');

/**
 * The replica-sync check against two real PostgreSQL databases: the "replica" is a copy of the primary taken at
 * one point (CREATE DATABASE … TEMPLATE), which then falls behind as the primary takes more events.
 */
describe.runIf(run)('replica sync (DATABASE_READ_URL)', () => {
  let primaryDb: TestDatabase;
  let replicaName: string;
  let stack: TestStack;
  let replica: SqlClient;
  let copied: number;
  let dataDir: string;

  beforeAll(async () => {
    primaryDb = await createTestDatabase();
    dataDir = (stack = await createTestStack({ kind: 'postgresql', url: primaryDb.url })).dataDir;
    for (let i = 0; i < 5; i++) await stack.appender.append(await stack.submission());
    copied = (await stack.store.head())!.sequence;
    await stack.client.close();
    replicaName = `${primaryDb.name}_replica`;
    await adminQuery(`CREATE DATABASE ${replicaName} TEMPLATE ${primaryDb.name}`);
    stack = await createTestStack({ kind: 'postgresql', url: primaryDb.url }, { dataDir });
    for (let i = 0; i < 5; i++) await stack.appender.append(await stack.submission());
    replica = createPgClient({ connectionString: primaryDb.url.replace(primaryDb.name, replicaName), applicationName: 'archon72 replica test' });
  }, 60_000);
  afterAll(async () => {
    await replica?.close();
    await stack?.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${replicaName} WITH (FORCE)`);
    await primaryDb?.drop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes for the primary itself (no lag) and for a replica within the allowed lag', async () => {
    expect(await checkReplicaSync(stack.store, { store: stack.store, maxLagEvents: 0 })).toEqual({ check: 'replica_sync', status: 'passed', detail: 'the replica is 0 event(s) behind, head hashes match (at most 0)' });
    const head = (await stack.store.head())!.sequence;
    const result = await checkReplicaSync(stack.store, { store: createPgEventStore(replica), maxLagEvents: 100 });
    expect(result).toMatchObject({ status: 'passed', detail: `the replica is ${head - copied} event(s) behind, head hashes match (at most 100)` });
  });

  it('fails a replica further behind than REPLICA_MAX_LAG_EVENTS', async () => {
    const result = await checkReplicaSync(stack.store, { store: createPgEventStore(replica), maxLagEvents: 1 });
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(/events behind \(at most 1, REPLICA_MAX_LAG_EVENTS\)/);
  });

  it('fails a replica holding a different event at its head', async () => {
    await replica.exec(`ALTER TABLE events DISABLE TRIGGER USER; UPDATE events SET content_hash = repeat('1', 64) WHERE sequence = ${copied}; ALTER TABLE events ENABLE TRIGGER USER;`);
    const result = await checkReplicaSync(stack.store, { store: createPgEventStore(replica), maxLagEvents: 100 });
    expect(result).toEqual({ check: 'replica_sync', status: 'failed', detail: `the replica holds a different event at sequence ${copied}: it has diverged` });
  });

  it('fails a replica that cannot be reached', async () => {
    const unreachable = createPgClient({ connectionString: 'postgresql://postgres@127.0.0.1:1/none', applicationName: 'archon72 replica test' });
    try {
      const result = await checkReplicaSync(stack.store, { store: createPgEventStore(unreachable), maxLagEvents: 100 });
      expect(result.status).toBe('failed');
      expect(result.detail).toMatch(/^the replica cannot be read: /);
    } finally {
      await unreachable.close();
    }
  });

  it('fails a replica ahead of the primary', async () => {
    const result = await checkReplicaSync(createPgEventStore(replica), { store: stack.store, maxLagEvents: 100 });
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(/is ahead of the primary's .*: it has diverged/);
  });

  it('is skipped without DATABASE_READ_URL', async () => {
    expect(await checkReplicaSync(stack.store, undefined)).toEqual({ check: 'replica_sync', status: 'skipped', detail: 'DATABASE_READ_URL is not set: no read replica' });
  });
});
