import type { SqlExecutor } from '../src/adapters/postgres/sql-client.js';

/** What the database holds after a run: the gapless check the brief asks for, plus drift warnings written. */
export interface ChainCensus {
  count: number;
  min: number | null;
  max: number | null;
  /** count = max - min + 1 and min = 1: no sequence is missing. */
  gapless: boolean;
  /** clock_drift_warnings rows: written when an event waited more than 5 s between signing and commit. */
  driftWarnings: number;
}

const SQL = {
  census: `SELECT count(*) AS count, min(sequence) AS min, max(sequence) AS max,
    (SELECT count(*) FROM clock_drift_warnings) AS drift FROM events`,
} as const;

/** Counts the log. int8 columns come back as numbers from both clients. */
export async function takeCensus(db: SqlExecutor): Promise<ChainCensus> {
  const [row] = await db.query<{ count: number; min: number | null; max: number | null; drift: number }>(SQL.census);
  if (row === undefined) throw new Error('census query returned no row');
  const gapless = row.count === 0 || (row.min === 1 && row.max === row.count);
  return { count: row.count, min: row.min, max: row.max, gapless, driftWarnings: row.drift };
}

/** "count=…, min=…, max=… gapless" as printed after each run. */
export function describeCensus(c: ChainCensus): string {
  const status = c.gapless ? 'gapless' : 'GAP OR DUPLICATE';
  return `count=${c.count} min=${c.min ?? '-'} max=${c.max ?? '-'} ${status}; clock_drift_warnings=${c.driftWarnings}`;
}
