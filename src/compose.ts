import { join } from 'node:path';
import { createPgClient } from './adapters/postgres/pg-client.js';
import { createPgliteClient } from './adapters/pglite/pglite-client.js';
import { lockDataDir } from './adapters/pglite/data-dir-lock.js';
import { createMigrator } from './adapters/postgres/migrator.js';
import { createPgEventStore } from './adapters/postgres/pg-event-store.js';
import { createPgKeyRegistry } from './adapters/postgres/pg-key-registry.js';
import { openKeyCustody } from './adapters/hsm/open-key-custody.js';
import { verifyEd25519Sodium } from './adapters/crypto/sodium-ed25519.js';
import { systemClock } from './adapters/system-clock.js';
import { KeyCache } from './app/key-cache.js';
import { EventAppender } from './app/event-appender.js';
import { ensureAgentKey, EVENT_WRITER_ID } from './app/provision-keys.js';
import { bootstrapWitnessPool, requireWitnessPoolFloor, WITNESS_POOL_FLOORS } from './app/witness-pool.js';
import { CustodyError, StoreError } from './domain/errors.js';
import type { SystemEventDeps } from './app/system-events.js';
import type { Config } from './app/config.js';
import type { Clock, EventStore, KeyCustody, KeyRegistry, SchemaMigrator } from './app/ports.js';
import type { SqlClient } from './adapters/postgres/sql-client.js';
import type { Ed25519Verify } from './domain/signing/ed25519.js';

/** Everything a command or the server needs, built from configuration. Close it when done. */
export interface Stack {
  config: Config;
  client: SqlClient;
  store: EventStore;
  registry: KeyRegistry;
  keys: KeyCache;
  migrator: SchemaMigrator;
  verify: Ed25519Verify;
  /** Whether verification accepts development keys: only in DEV_MODE (docs/PROTOCOL.md §9). */
  allowDevelopmentKeys: boolean;
  clock: Clock;
  /** Key custody, opened by openStack({ custody: true }); throws CustodyError CUSTODY_NOT_CONFIGURED otherwise. */
  custody(): KeyCustody;
  appender(): EventAppender;
  /** What services that write system events need (custody must be open). */
  systemEventDeps(): SystemEventDeps;
  close(): Promise<void>;
}

export interface OpenStackOptions {
  /**
   * Open key custody now (the development HSM, or the PKCS#11 HSM with login): for commands that sign. A missing
   * or unusable HSM then fails here with HSMNotConfiguredError, before anything else happens.
   */
  custody?: boolean;
}

/**
 * Opens key custody when asked, then the configured database (PostgreSQL when DATABASE_URL is set, else
 * embedded PGlite under the data directory, locked against a second process), and wires the adapters. `holder`
 * names the process in the lock.
 */
export async function openStack(config: Config, holder: string, options: OpenStackOptions = {}): Promise<Stack> {
  const custody = options.custody ? await openKeyCustody(config) : undefined;
  let release = (): void => undefined;
  let client: SqlClient;
  if (config.databaseUrl !== undefined) {
    client = createPgClient({ connectionString: config.databaseUrl, applicationName: `archon72 ${holder}` });
  } else {
    try {
      release = lockDataDir(config.dataDir, holder);
      client = await createPgliteClient(join(config.dataDir, 'pglite'));
    } catch (err) {
      release();
      await custody?.close();
      throw err;
    }
  }
  const registry = createPgKeyRegistry(client);
  const keys = new KeyCache(registry);
  const store = createPgEventStore(client);
  let appender: EventAppender | undefined;
  const stack: Stack = {
    config,
    client,
    store,
    registry,
    keys,
    migrator: createMigrator(client),
    verify: verifyEd25519Sodium,
    allowDevelopmentKeys: config.devMode,
    clock: systemClock,
    custody() {
      if (custody) return custody;
      throw new CustodyError({ code: 'CUSTODY_NOT_CONFIGURED', message: `${holder} opened no key custody, so it cannot sign` });
    },
    appender() {
      appender ??= new EventAppender({ store, keys, custody: stack.custody(), verify: verifyEd25519Sodium });
      return appender;
    },
    systemEventDeps() {
      return { registry, keys, custody: stack.custody(), appender: stack.appender(), clock: stack.clock };
    },
    async close() {
      try {
        await appender?.flush();
        await client.close();
      } finally {
        release();
        await custody?.close();
      }
    },
  };
  return stack;
}

/** Refuses to run on a schema with pending migrations (or edited ones): StoreError STORE_MIGRATIONS_PENDING. */
export async function requireMigrated(stack: Stack): Promise<void> {
  const pending = await stack.migrator.pending();
  if (pending.length > 0) {
    throw new StoreError({
      code: 'STORE_MIGRATIONS_PENDING',
      message: `the database has ${pending.length} pending migration(s) (${pending.join(', ')}); run \`archon72 migrate\` first`,
      details: { pending },
    });
  }
}

/**
 * Makes sure every system actor has its own key before the service writes: in development the witness pool
 * WITNESS:dev-01 … (as large as the high-stakes floor, so every event type can be written) and the event writer;
 * in production the event writer, plus the initial pool when WITNESS_BOOTSTRAP_ENABLED=true (refused once a pool
 * exists). Then requires the witness pool floor. Returns the event writer's key.
 * Throws WitnessError WITNESS_BOOTSTRAP_REFUSED or WITNESS_POOL_BELOW_FLOOR, CustodyError from custody.
 */
export async function provisionKeys(stack: Stack) {
  const deps = { registry: stack.registry, custody: stack.custody(), keys: stack.keys };
  const now = stack.clock.now();
  if (stack.config.devMode) {
    await bootstrapWitnessPool(deps, { count: WITNESS_POOL_FLOORS.highStakes, prefix: 'dev-', onlyIfEmpty: false }, now);
  } else if (stack.config.witnessBootstrapEnabled) {
    await bootstrapWitnessPool(deps, { count: WITNESS_POOL_FLOORS.highStakes, prefix: 'pool-', onlyIfEmpty: true }, now);
  }
  const writer = await ensureAgentKey(EVENT_WRITER_ID, deps, now);
  await requireWitnessPoolFloor(deps, stack.clock.now());
  return writer;
}
