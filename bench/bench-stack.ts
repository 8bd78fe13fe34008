import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStack, provisionKeys, type Stack } from '../src/compose.js';
import { parseConfig, type Config } from '../src/app/config.js';

/** The development configuration the CLI would parse from DEV_MODE=true ENVIRONMENT=development. */
export function benchConfig(dataDir: string, databaseUrl: string | undefined): Config {
  return { ...parseConfig({ DEV_MODE: 'true', ENVIRONMENT: 'development', LOG_LEVEL: 'silent' }), databaseUrl, dataDir, apiPort: 0 };
}

/** A temporary directory, removed by the returned function. */
export function makeTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Opens the stack exactly as `archon72 serve` does (compose.ts openStack: PostgreSQL when a URL is given,
 * else on-disk PGlite under dataDir with its directory lock), migrates it and provisions the dev witness pool,
 * whose private keys live in <dataDir>/keys (the server's custody).
 */
export async function openBenchStack(dataDir: string, databaseUrl: string | undefined, holder: string): Promise<Stack> {
  const stack = await openStack(benchConfig(dataDir, databaseUrl), holder, { custody: true });
  await stack.migrator.migrate();
  await provisionKeys(stack);
  return stack;
}

/** undefined when PostgreSQL answers at `url`, otherwise why not. */
export async function postgresUnreachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A PostgreSQL database for the benchmark: a fresh one on the admin server, or the given one left in place. */
export interface BenchDatabase {
  url: string;
  /** True when the benchmark created it (and drops it at the end). */
  created: boolean;
  drop(): Promise<void>;
}

/** Creates `archon72_bench_<random>` on the admin server (trust auth), or wraps `given` untouched. */
export async function prepareDatabase(adminUrl: string, given: string | undefined): Promise<BenchDatabase> {
  if (given !== undefined) return { url: given, created: false, drop: async () => undefined };
  const name = `archon72_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), created: true, drop: async () => void (await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

/** Runs one statement on its own connection and returns the rows. */
export async function adminQuery<R extends Record<string, unknown> = Record<string, unknown>>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}
