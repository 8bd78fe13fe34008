import { afterAll } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** Admin URL of the test PostgreSQL server (trust auth on the standard local port unless overridden). */
export const PG_ADMIN_URL = process.env.ARCHON72_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** True when CI demands every service: an unreachable one fails the suite instead of skipping it. */
export const REQUIRE_SERVICES = process.env.ARCHON72_REQUIRE_SERVICES === '1';

let reachable: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL answers, otherwise why not. */
export function postgresUnavailableReason(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (err) {
      return `PostgreSQL at ${PG_ADMIN_URL} is unreachable: ${(err as Error).message}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/**
 * Whether to run a PostgreSQL-backed suite. Skips (with the reason printed) when PostgreSQL is absent, unless
 * ARCHON72_REQUIRE_SERVICES=1, where absence throws so the run fails.
 */
export async function shouldRunPostgres(suite: string): Promise<boolean> {
  const reason = await postgresUnavailableReason();
  if (reason === undefined) return true;
  if (REQUIRE_SERVICES) throw new Error(`${suite}: ARCHON72_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`skipping ${suite}: ${reason} (set ARCHON72_REQUIRE_SERVICES=1 to make this a failure)`);
  return false;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the test server; drop() removes it. */
export async function createTestDatabase(prefix = 'a72_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement on the admin database. */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Backend factory for the PostgreSQL runs of contract suites: each call creates a fresh database (or returns
 * undefined when PostgreSQL is absent and not required); every database is dropped after the test file.
 */
export function postgresBackend(suite: string): () => Promise<{ kind: 'postgresql'; url: string } | undefined> {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases.splice(0)) await db.drop();
  });
  return async () => {
    if (!(await shouldRunPostgres(suite))) return undefined;
    const db = await createTestDatabase();
    databases.push(db);
    return { kind: 'postgresql', url: db.url };
  };
}

/** URL of the test Redis server (no auth, standard local port unless overridden). */
export const REDIS_TEST_URL = process.env.ARCHON72_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redisReachable: Promise<string | undefined> | undefined;

/** undefined when Redis answers PING, otherwise why not. */
export function redisUnavailableReason(): Promise<string | undefined> {
  redisReachable ??= (async () => {
    // Loaded here, not at the top: suites that never touch Redis do not load ioredis.
    const { Redis } = await import('ioredis');
    // One attempt, no reconnecting: this only asks whether a server is there.
    const client = new Redis(REDIS_TEST_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // The connection error (ECONNREFUSED…) says more than connect()'s own "Connection is closed".
    let connectionError: Error | undefined;
    client.on('error', (err) => {
      connectionError = err;
    });
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (err) {
      return `Redis at ${REDIS_TEST_URL} is unreachable: ${(connectionError ?? (err as Error)).message}`;
    } finally {
      client.disconnect();
    }
  })();
  return redisReachable;
}

/**
 * Whether to run a Redis-backed suite. Skips (with the reason printed) when Redis is absent, unless
 * ARCHON72_REQUIRE_SERVICES=1, where absence throws so the run fails.
 */
export async function shouldRunRedis(suite: string): Promise<boolean> {
  const reason = await redisUnavailableReason();
  if (reason === undefined) return true;
  if (REQUIRE_SERVICES) throw new Error(`${suite}: ARCHON72_REQUIRE_SERVICES=1 but ${reason}`);
  console.warn(`skipping ${suite}: ${reason} (set ARCHON72_REQUIRE_SERVICES=1 to make this a failure)`);
  return false;
}
