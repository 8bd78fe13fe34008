import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createPgClient } from '../../src/adapters/postgres/pg-client.js';
import { createPgliteClient } from '../../src/adapters/pglite/pglite-client.js';
import { createMigrator } from '../../src/adapters/postgres/migrator.js';
import { createPgEventStore } from '../../src/adapters/postgres/pg-event-store.js';
import { createPgKeyRegistry } from '../../src/adapters/postgres/pg-key-registry.js';
import { createSoftwareKeyCustody } from '../../src/adapters/hsm/software-key-custody.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { KeyCache } from '../../src/app/key-cache.js';
import { EventAppender } from '../../src/app/event-appender.js';
import { ensureAgentKey, EVENT_WRITER_ID } from '../../src/app/provision-keys.js';
import { bootstrapWitnessPool, WITNESS_POOL_FLOORS } from '../../src/app/witness-pool.js';
import type { SystemEventDeps } from '../../src/app/system-events.js';
import { signSubmission } from '../../src/app/sign-submission.js';
import type { SqlClient } from '../../src/adapters/postgres/sql-client.js';
import type { EventStore, KeyCustody, KeyRegistry, SchemaMigrator } from '../../src/app/ports.js';
import type { EventSubmission, SignedBody } from '../../src/domain/chain/event.types.js';
import type { PublicKeyRecord } from '../../src/domain/signing/key.types.js';

/** Where a test stack keeps its events: embedded PGlite in memory, or a PostgreSQL database URL. */
export type TestBackend = { kind: 'pglite' } | { kind: 'postgresql'; url: string };

export interface TestStack {
  client: SqlClient;
  store: EventStore;
  registry: KeyRegistry;
  keys: KeyCache;
  custody: KeyCustody;
  migrator: SchemaMigrator;
  appender: EventAppender;
  /** What key lifecycle services need. */
  services: SystemEventDeps;
  /** Key of SYSTEM:EVENT_WRITER, provisioned with the dev witness pool. */
  writerKey: PublicKeyRecord;
  dataDir: string;
  /** A key for `agentId` (created and registered on first use). */
  keyFor(agentId: string): Promise<PublicKeyRecord>;
  /** A signed submission from `agentId` (default SYSTEM:EVENT_WRITER), with body fields overridable. */
  submission(overrides?: Partial<SignedBody>, agentId?: string): Promise<EventSubmission>;
  close(): Promise<void>;
}

/**
 * A migrated store with development keys and the dev witness pool (Tessera's testonly.NewTestLog): PGlite in
 * memory by default, or a PostgreSQL database. Close it in afterEach/afterAll.
 */
export async function createTestStack(backend: TestBackend = { kind: 'pglite' }, options: { dataDir?: string; custody?: KeyCustody } = {}): Promise<TestStack> {
  const client = backend.kind === 'pglite' ? await createPgliteClient('memory://') : createPgClient({ connectionString: backend.url, applicationName: 'archon72 test' });
  const migrator = createMigrator(client);
  await migrator.migrate();
  // Sharing another stack's data directory shares its development keys (its key custody).
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'archon72-test-'));
  const registry = createPgKeyRegistry(client);
  const keys = new KeyCache(registry);
  const custody = options.custody ?? createSoftwareKeyCustody(dataDir);
  const store = createPgEventStore(client);
  const deps = { registry, custody, keys };
  await bootstrapWitnessPool(deps, { count: WITNESS_POOL_FLOORS.highStakes, prefix: 'dev-', onlyIfEmpty: false }, systemClock.now());
  const writerKey = await ensureAgentKey(EVENT_WRITER_ID, deps, systemClock.now());
  const appender = new EventAppender({ store, keys, custody, verify: verifyEd25519Sodium });
  const agentKeys = new Map<string, Promise<PublicKeyRecord>>();
  const keyFor = (agentId: string) => {
    let key = agentKeys.get(agentId);
    if (key === undefined) agentKeys.set(agentId, (key = ensureAgentKey(agentId, deps, systemClock.now())));
    return key;
  };
  return {
    client,
    store,
    registry,
    keys,
    custody,
    migrator,
    appender,
    services: { registry, keys, custody, appender, clock: systemClock },
    writerKey,
    dataDir,
    keyFor,
    async submission(overrides = {}, agentId = EVENT_WRITER_ID) {
      const key = await keyFor(agentId);
      const body: SignedBody = {
        eventId: randomUUID(),
        eventType: 'test.event',
        payload: { n: 1 },
        agentId,
        signingKeyId: key.keyId,
        localTimestamp: systemClock.now(),
        ...overrides,
      };
      return signSubmission(body, custody);
    },
    async close() {
      await appender.flush();
      await client.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
