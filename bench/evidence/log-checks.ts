import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { takeCensus, type ChainCensus } from '../chain-census.js';
import { BENCH_POSTGRES_PIDS_SQL } from '../cpu-usage.js';
import { CLI } from '../../test/support/run-cli.js';
import type { SqlExecutor } from '../../src/adapters/postgres/sql-client.js';

/** How `archon72 verify-db` ended. */
export interface VerifyDbOutcome {
  ok: boolean;
  /** The arguments it ran with (`--full` when this build has it). */
  args: string[];
  seconds: number;
  /** Its verdict lines ("OK: N events verified (sequence 1..N)", the checks --full adds, or the fault), shortened. */
  summary: string;
  output: string;
}

let fullFlag: boolean | undefined;

/** Whether this build's `archon72 verify-db` has `--full` (issue 9's backup check adds it); read from its --help once. */
export function verifyDbHasFull(): boolean {
  fullFlag ??= spawnSync(process.execPath, [CLI, 'verify-db', '--help'], { encoding: 'utf8' }).stdout.includes('--full');
  return fullFlag;
}

/** Runs the built `archon72 verify-db` (with `--full` when available) on `databaseUrl`, as an operator would. */
export async function runVerifyDb(databaseUrl: string): Promise<VerifyDbOutcome> {
  const args = ['verify-db', ...(verifyDbHasFull() ? ['--full'] : [])];
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, DEV_MODE: 'true', ENVIRONMENT: 'development' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  // Verdict lines only (stderr carries the progress bar); hex digests shortened for the report.
  const verdicts = stdout.split('\n').filter((l) => /^(OK|FAULT|FAILED|system halted)/.test(l)).map((l) => l.replace(/\b([0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…'));
  return { ok: code === 0, args, seconds: (performance.now() - t0) / 1000, summary: verdicts.join('; ') || stdout.trim().split('\n').at(-1) || '', output: `${stdout}${stderr.slice(-2000)}` };
}

/** Compares the acknowledged appends (event_id → sequence) with the log: how many are missing or at another sequence. */
export async function checkAcknowledged(db: SqlExecutor, acked: ReadonlyMap<string, number>): Promise<{ missing: number; moved: number }> {
  const ids = [...acked.keys()];
  let missing = 0;
  let moved = 0;
  for (let i = 0; i < ids.length; i += 10_000) {
    const chunk = ids.slice(i, i + 10_000);
    const rows = await db.query<{ event_id: string; sequence: number }>('SELECT event_id::text AS event_id, sequence FROM events WHERE event_id = ANY($1::uuid[])', [chunk]);
    const stored = new Map(rows.map((r) => [r.event_id, Number(r.sequence)]));
    for (const id of chunk) {
      const sequence = stored.get(id);
      if (sequence === undefined) missing++;
      else if (sequence !== acked.get(id)) moved++;
    }
  }
  return { missing, moved };
}

/** takeCensus over a plain connection to `databaseUrl` (for a database no stack holds open). */
export async function censusOf(databaseUrl: string): Promise<ChainCensus> {
  // int8 as numbers, as the project's own SqlClient reads them (takeCensus compares numbers).
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) };
  const client = new pg.Client({ connectionString: databaseUrl, types });
  await client.connect();
  try {
    return await takeCensus({ query: async (text, params) => (await client.query(text, params)).rows });
  } finally {
    await client.end();
  }
}

/** PostgreSQL processes working for `databaseUrl` (its backends, the server's background processes), read on a connection of its own. */
export async function postgresPidsOf(databaseUrl: string): Promise<{ pids(): Promise<number[]>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    pids: async () => (await client.query<{ pid: number }>(BENCH_POSTGRES_PIDS_SQL)).rows.map((r) => r.pid),
    close: () => client.end(),
  };
}
