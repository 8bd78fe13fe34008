import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CpuMeter, BENCH_POSTGRES_PIDS_SQL } from '../../cpu-usage.js';
import { progress } from '../progress.js';
import { runClosedLoop } from './closed-loop.js';
import { describeLevel, toLevelResult, workloadPayload, WORKLOAD_EVENT_TYPE, type LevelResult } from './workload.js';

/** Group-commit limits of our appender (src/app/event-appender.ts DEFAULT_MAX_BATCH, DEFAULT_MAX_IN_FLIGHT) and its pool size. */
const MAX_BATCH = 1024;
const MAX_IN_FLIGHT = 2;
const POOL_SIZE = 20;
const WARMUP_MS = 1_500;

const SQL = {
  createTable: `CREATE TABLE bare_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`,
  insertBatch: `INSERT INTO bare_events (event_id, event_type, payload) SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])`,
  count: `SELECT count(*)::int AS n FROM bare_events`,
} as const;

interface Pending {
  eventId: string;
  payload: string;
  done: (err?: unknown) => void;
}

/**
 * The floor of the comparison: the same payloads in a table with no triggers, signatures or chain (an identity
 * key, no other index), written by the same group commit our appender does (concurrent appends share one
 * multi-row INSERT, its own transaction; at most MAX_BATCH rows and MAX_IN_FLIGHT statements at once), in this
 * process. Returns one result per level and the table's row count (which must equal the acknowledged appends).
 */
export async function measureBareInsert(databaseUrl: string, levels: number[], seconds: number): Promise<{ results: LevelResult[]; acked: number; stored: number }> {
  const system = 'bare batched INSERT' as const;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  try {
    await pool.query(SQL.createTable);
    const queue: Pending[] = [];
    let inFlight = 0;
    const pump = (): void => {
      while (queue.length > 0 && inFlight < MAX_IN_FLIGHT) {
        const batch = queue.splice(0, MAX_BATCH);
        inFlight++;
        pool
          .query(SQL.insertBatch, [batch.map((p) => p.eventId), batch.map(() => WORKLOAD_EVENT_TYPE), batch.map((p) => p.payload)])
          .then(() => batch.forEach((p) => p.done()), (err: unknown) => batch.forEach((p) => p.done(err)))
          .finally(() => {
            inFlight--;
            pump();
          });
      }
    };
    let acked = 0;
    const op = async (i: number): Promise<true | string> => {
      const payload = JSON.stringify(workloadPayload(i, 'bare'));
      const failed = await new Promise<unknown>((resolve) => {
        queue.push({ eventId: randomUUID(), payload, done: resolve });
        pump();
      });
      if (failed !== undefined) return `pg ${(failed as { code?: string }).code ?? 'error'}`;
      acked++;
      return true;
    };
    const warm = await runClosedLoop(16, op, WARMUP_MS);
    progress(`${system}: warm-up ${warm.events} appends (not reported)`);
    const pgPids = async () => (await pool.query<{ pid: number }>(BENCH_POSTGRES_PIDS_SQL)).rows.map((r) => r.pid);
    const results: LevelResult[] = [];
    for (const writers of levels) {
      const meter = new CpuMeter(() => [process.pid], pgPids);
      const window = await meter.measure(() => runClosedLoop(writers, op, seconds * 1000));
      const result = toLevelResult(system, writers, window, meter.percent(window.busyMs / 1000));
      progress(describeLevel(result));
      results.push(result);
    }
    const stored = (await pool.query<{ n: number }>(SQL.count)).rows[0]?.n ?? 0;
    return { results, acked, stored };
  } finally {
    await pool.end();
  }
}
