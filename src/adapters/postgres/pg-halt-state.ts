import { canonicalTimestampSql as ts, type SqlClient, type SqlExecutor } from './sql-client.js';
import { HaltError } from '../../domain/errors.js';
import type { AppendEffect, HaltRecord, HaltStateStore } from '../../app/ports.js';

/** The singleton row's fixed id (migration 006). */
export const HALT_STATE_ID = '00000000-0000-0000-0000-000000000001';

const nullableTs = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL ELSE ${ts(column)} END`;

const COLUMNS = `is_halted, reason, source, halted_by, ${nullableTs('halted_at')} AS halted_at, ${nullableTs('cleared_at')} AS cleared_at,
  halt_event_sequence, halted_after_sequence, ceremony_id::text AS ceremony_id`;

const SQL = {
  read: `SELECT ${COLUMNS} FROM halt_state WHERE id = '${HALT_STATE_ID}'`,
  // WHERE NOT is_halted: a halt in force is evidence and never changes (migration 007 refuses it anyway).
  // Migration 007's trigger takes the append lock and records halted_after_sequence itself.
  raise: `UPDATE halt_state SET is_halted = true, reason = $1, source = $2, halted_by = $3, halted_at = clock_timestamp(),
      halt_event_sequence = $4, cleared_at = NULL, updated_at = clock_timestamp()
    WHERE id = '${HALT_STATE_ID}' AND NOT is_halted`,
  clear: `UPDATE halt_state SET is_halted = false, ceremony_id = $1::uuid, cleared_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = '${HALT_STATE_ID}' AND is_halted`,
} as const;

interface HaltRow {
  is_halted: boolean;
  reason: string | null;
  source: string | null;
  halted_by: string | null;
  halted_at: string | null;
  cleared_at: string | null;
  halt_event_sequence: number | null;
  halted_after_sequence: number | null;
  ceremony_id: string | null;
}

function toHaltRecord(row: HaltRow | undefined): HaltRecord {
  if (row === undefined) throw new Error('halt_state has no row (migration 006 inserts it and nothing may delete it)');
  return {
    halted: row.is_halted,
    reason: row.reason ?? undefined,
    source: row.source ?? undefined,
    haltedBy: row.halted_by ?? undefined,
    haltedAt: row.halted_at ?? undefined,
    clearedAt: row.cleared_at ?? undefined,
    haltEventSequence: row.halt_event_sequence ?? undefined,
    haltedAfterSequence: row.halted_after_sequence ?? undefined,
    ceremonyId: row.ceremony_id ?? undefined,
  };
}

/** Applies an append's halt effect inside the appending transaction, after its events were inserted. */
export async function applyAppendEffect(tx: SqlExecutor, effect: AppendEffect, lastSequence: number | undefined): Promise<void> {
  if (effect.kind === 'raise-halt') {
    await tx.query(SQL.raise, [effect.reason, effect.source, effect.haltedBy, lastSequence ?? null]);
  } else {
    const updated = await tx.query<{ id: string }>(`${SQL.clear} RETURNING id`, [effect.ceremonyId]);
    if (updated.length === 0) throw new HaltError({ code: 'HALT_NOT_HALTED', message: 'the system is not halted, so there is nothing to clear' });
  }
}

/** HaltStateStore on the halt_state row (PostgreSQL or PGlite). */
export function createPgHaltStateStore(client: SqlClient): HaltStateStore {
  return {
    async read() {
      return toHaltRecord((await client.query<HaltRow>(SQL.read))[0]);
    },
    async raiseWithoutEvent(reason, source, haltedBy) {
      return client.transaction(async (tx) => {
        await tx.query(SQL.raise, [reason, source, haltedBy, null]);
        return toHaltRecord((await tx.query<HaltRow>(SQL.read))[0]);
      });
    },
    async clearEventSequence(ceremonyId) {
      const [row] = await client.query<{ sequence: number }>(
        `SELECT sequence FROM events WHERE event_type = 'halt.cleared' AND payload->>'ceremony_id' = $1 ORDER BY sequence LIMIT 1`,
        [ceremonyId],
      );
      return row?.sequence;
    },
  };
}
