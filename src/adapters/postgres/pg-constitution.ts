import { toStoreError } from './store-errors.js';
import type { ConstitutionStore } from '../../app/ports.js';
import type { SqlClient } from './sql-client.js';

const SQL = {
  tableExists: `SELECT to_regclass('public.constitutional_config') IS NOT NULL AS present`,
  settings: `SELECT key, value::text AS value FROM constitutional_config`,
  // A sequence's last_value is meaningful only once is_called; before the first nextval nothing was counted.
  attempts: `SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM constitutional_limit_violation_attempts) AS counted,
      (SELECT acknowledged_attempts FROM constitutional_limit_watch) AS acknowledged`,
  acknowledge: `UPDATE constitutional_limit_watch SET acknowledged_attempts = $1, updated_at = now() WHERE acknowledged_attempts < $1`,
} as const;

/** constitutional_config and the count of refused attempts to weaken it (migrations 005, 008, 010). */
export function createPgConstitutionStore(client: SqlClient): ConstitutionStore {
  return {
    async settings() {
      try {
        const [exists] = await client.query<{ present: boolean }>(SQL.tableExists);
        if (exists?.present !== true) return new Map();
        const rows = await client.query<{ key: string; value: string }>(SQL.settings);
        return new Map(rows.map((row) => [row.key, Number(row.value)]));
      } catch (err) {
        throw toStoreError(err, 'reading constitutional_config');
      }
    },
    async violationAttempts() {
      try {
        const [row] = await client.query<{ counted: number | string; acknowledged: number | string }>(SQL.attempts);
        return { counted: Number(row?.counted ?? 0), acknowledged: Number(row?.acknowledged ?? 0) };
      } catch (err) {
        throw toStoreError(err, 'reading constitutional_limit_violation_attempts');
      }
    },
    async acknowledgeViolationAttempts(counted) {
      try {
        await client.query(SQL.acknowledge, [counted]);
      } catch (err) {
        throw toStoreError(err, 'updating constitutional_limit_watch');
      }
    },
  };
}
