import { describe, it, expect } from 'vitest';
import { createPgClient } from '../../../src/adapters/postgres/pg-client.js';
import { createPgEventStore } from '../../../src/adapters/postgres/pg-event-store.js';
import { verifyChain } from '../../../src/app/verify-chain.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { StoreError } from '../../../src/domain/errors.js';
import { adminQuery, shouldRunPostgres } from '../../support/services.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { usePostgresStack } from '../../support/postgres-stack.js';

const run = await shouldRunPostgres('PostgreSQL faults');

describe.runIf(run)('when PostgreSQL fails under the appender', () => {
  const pg = usePostgresStack();

  it('fails the in-flight appends with STORE_UNAVAILABLE, writes nothing half-way, and recovers on the next append', async () => {
    for (let i = 0; i < 10; i++) await pg.stack.appender.append(await pg.stack.submission());
    const submissions = await Promise.all(Array.from({ length: 400 }, () => pg.stack.submission()));
    const settled = Promise.allSettled(submissions.map((s) => pg.stack.appender.append(s)));
    // Kill every server connection of this database while the batch is being written.
    await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${pg.db.name}' AND pid <> pg_backend_pid()`);
    const results = await settled;
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const f of failed) {
      expect(f.reason).toBeInstanceOf(StoreError);
      expect(['STORE_UNAVAILABLE', 'STORE_FAILED']).toContain((f.reason as StoreError).code);
    }
    const ok = results.filter((r) => r.status === 'fulfilled').length;

    const after = await pg.stack.appender.append(await pg.stack.submission());
    expect(after.sequence).toBe(10 + ok + 1); // nothing that failed left a row or consumed a sequence
    const report = await verifyChain({ store: pg.stack.store, registry: pg.stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: true });
    expect(report.fault).toBeUndefined();
    expect(report.verified).toBe(after.sequence);
  });
});

describe('when PostgreSQL cannot be reached at all', () => {
  it('reports STORE_UNAVAILABLE naming the database, not a pg.stack trace', async () => {
    const client = createPgClient({ connectionString: 'postgresql://postgres@127.0.0.1:1/nothing' });
    try {
      const err = await expectRejection(createPgEventStore(client).head(), StoreError, 'STORE_UNAVAILABLE');
      expect(err.message).toMatch(/database unavailable/);
    } finally {
      await client.close();
    }
  });
});
