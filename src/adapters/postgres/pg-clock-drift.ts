import { canonicalTimestampSql as ts, type SqlClient } from './sql-client.js';
import { toStoreError } from './store-errors.js';
import type { ClockDriftLog } from '../../app/ports.js';

const SQL = {
  counts: `SELECT count(*) FILTER (WHERE created_at > clock_timestamp() - make_interval(secs => $1))::int AS recent,
      count(*)::int AS total,
      (SELECT ${ts('max(created_at)')} FROM clock_drift_warnings) AS latest_at
    FROM clock_drift_warnings`,
} as const;

/** clock_drift_warnings (migration 005), written by the database for each event beyond the drift threshold. */
export function createPgClockDriftLog(client: SqlClient): ClockDriftLog {
  return {
    async counts(seconds) {
      try {
        const [row] = await client.query<{ recent: number; total: number; latest_at: string | null }>(SQL.counts, [seconds]);
        return { recent: Number(row?.recent ?? 0), total: Number(row?.total ?? 0), latestAt: row?.latest_at ?? undefined };
      } catch (err) {
        throw toStoreError(err, 'reading clock_drift_warnings');
      }
    },
  };
}
