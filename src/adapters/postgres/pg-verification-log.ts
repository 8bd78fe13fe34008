import type { SqlClient } from './sql-client.js';
import { toStoreError } from './store-errors.js';
import type { VerificationLog } from '../../app/ports.js';

const SQL = {
  record: `INSERT INTO preoperational_verifications
      (started_at, outcome, post_halt, chain_from_sequence, chain_through_sequence, chain_through_hash, checks, environment, instance)
    VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
  lastVerifiedPoint: `SELECT chain_through_sequence AS sequence, chain_through_hash AS hash FROM preoperational_verifications
    WHERE chain_through_sequence IS NOT NULL ORDER BY id DESC LIMIT 1`,
  bypassesWithin: `SELECT count(*)::int AS n FROM preoperational_verifications
    WHERE outcome = 'bypassed' AND completed_at > clock_timestamp() - make_interval(secs => $1)`,
} as const;

/** preoperational_verifications (migration 010): append-only, so the bypass count survives restarts. */
export function createPgVerificationLog(client: SqlClient): VerificationLog {
  return {
    async record(run) {
      try {
        await client.query(SQL.record, [
          run.startedAt,
          run.outcome,
          run.postHalt,
          run.chainFrom ?? null,
          run.chainThrough?.sequence ?? null,
          run.chainThrough?.hash ?? null,
          JSON.stringify(run.checks),
          run.environment,
          run.instance,
        ]);
      } catch (err) {
        throw toStoreError(err, 'recording pre-operational verification');
      }
    },
    async lastVerifiedPoint() {
      try {
        const [row] = await client.query<{ sequence: number; hash: string }>(SQL.lastVerifiedPoint);
        return row === undefined ? undefined : { sequence: Number(row.sequence), hash: row.hash };
      } catch (err) {
        throw toStoreError(err, 'reading preoperational_verifications');
      }
    },
    async bypassesWithin(seconds) {
      try {
        const [row] = await client.query<{ n: number }>(SQL.bypassesWithin, [seconds]);
        return Number(row?.n ?? 0);
      } catch (err) {
        throw toStoreError(err, 'counting verification bypasses');
      }
    },
  };
}
