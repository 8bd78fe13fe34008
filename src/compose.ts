import { join } from 'node:path';
import { createPgClient } from './adapters/postgres/pg-client.js';
import { createPgliteClient } from './adapters/pglite/pglite-client.js';
import { lockDataDir } from './adapters/pglite/data-dir-lock.js';
import { createMigrator } from './adapters/postgres/migrator.js';
import { createPgEventStore } from './adapters/postgres/pg-event-store.js';
import { createPgKeyRegistry } from './adapters/postgres/pg-key-registry.js';
import { createSoftwareKeyCustody } from './adapters/hsm/software-key-custody.js';
import { verifyEd25519Sodium } from './adapters/crypto/sodium-ed25519.js';
import { systemClock } from './adapters/system-clock.js';
import { KeyCache } from './app/key-cache.js';
import { EventAppender } from './app/event-appender.js';
import { ensureAgentKey, ensureDevWitnessPool, EVENT_WRITER_ID } from './app/provision-dev-identity.js';
import { CustodyError, StoreError } from './domain/errors.js';
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
  clock: Clock;
  /** Key custody; throws CustodyError CUSTODY_NOT_CONFIGURED when none is configured (DEV_MODE=false for now). */
  custody(): KeyCustody;
  appender(): EventAppender;
  close(): Promise<void>;
}

/**
 * Opens the configured database (PostgreSQL when DATABASE_URL is set, else embedded PGlite under the data
 * directory, locked against a second process) and wires the adapters. `holder` names the process in the lock.
 */
export async function openStack(config: Config, holder: string): Promise<Stack> {
  let release = (): void => undefined;
  let client: SqlClient;
  if (config.databaseUrl !== undefined) {
    client = createPgClient({ connectionString: config.databaseUrl, applicationName: `archon72 ${holder}` });
  } else {
    release = lockDataDir(config.dataDir, holder);
    try {
      client = await createPgliteClient(join(config.dataDir, 'pglite'));
    } catch (err) {
      release();
      throw err;
    }
  }
  const registry = createPgKeyRegistry(client);
  const keys = new KeyCache(registry);
  const store = createPgEventStore(client);
  let custody: KeyCustody | undefined;
  let appender: EventAppender | undefined;
  const stack: Stack = {
    config,
    client,
    store,
    registry,
    keys,
    migrator: createMigrator(client),
    verify: verifyEd25519Sodium,
    clock: systemClock,
    custody() {
      if (custody) return custody;
      if (!config.devMode) {
        throw new CustodyError({
          code: 'CUSTODY_NOT_CONFIGURED',
          message: 'DEV_MODE=false needs a PKCS#11 HSM, which this build cannot use yet; set DEV_MODE=true and ENVIRONMENT=development to sign with development keys',
        });
      }
      custody = createSoftwareKeyCustody(config.dataDir);
      return custody;
    },
    appender() {
      appender ??= new EventAppender({ store, keys, custody: stack.custody(), verify: verifyEd25519Sodium });
      return appender;
    },
    async close() {
      await appender?.flush();
      await client.close();
      release();
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

/** In development, makes sure the event writer and the dev witness pool have keys. Returns the writer's key. */
export async function provisionDevelopment(stack: Stack) {
  const deps = { registry: stack.registry, custody: stack.custody(), keys: stack.keys };
  const now = stack.clock.now();
  await ensureDevWitnessPool(deps, now);
  return ensureAgentKey(EVENT_WRITER_ID, deps, now);
}
