import { canonicalTimestampSql as ts, type SqlClient } from './sql-client.js';
import { takeAppendLock } from './append-lock.js';
import { applyAppendEffect, HALT_STATE_ID } from './pg-halt-state.js';
import { toPublicKeyRecord, WITNESS_KEYS_SQL, type KeyRow } from './pg-key-registry.js';
import { GENESIS_PREV_HASH } from '../../domain/chain/content-hash.js';
import { StoreError } from '../../domain/errors.js';
import type { AppendHead, EventStore } from '../../app/ports.js';
import type { ChainLink, StoredEvent } from '../../domain/chain/event.types.js';
import type { JsonObject } from '../../domain/chain/canonical-json.js';

/** The select list toStoredEvent expects (timestamps already canonical); pg-event-query.ts reads with it too. */
export const EVENT_COLUMNS = `sequence, event_id::text AS event_id, event_type, payload, agent_id, signing_key_id, signature,
  witness_id, witness_signature, prev_hash, content_hash,
  ${ts('local_timestamp')} AS local_timestamp, ${ts('authority_timestamp')} AS authority_timestamp`;

const SQL = {
  // A separate statement after the lock, so its snapshot sees every append committed before we got the lock.
  headForAppend: `SELECT h.sequence, h.content_hash, ${ts('h.authority_timestamp')} AS authority_timestamp,
      ${ts('clock_timestamp()')} AS authority_time,
      coalesce((SELECT is_halted FROM halt_state WHERE id = '${HALT_STATE_ID}'), false) AS halted
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT sequence, content_hash, authority_timestamp FROM events ORDER BY sequence DESC LIMIT 1) AS h ON true`,
  // One statement for the whole batch; unnest keeps array order, so rows chain one after another.
  insertBatch: `INSERT INTO events (sequence, event_id, event_type, payload, agent_id, signing_key_id, signature,
      witness_id, witness_signature, prev_hash, content_hash, local_timestamp, authority_timestamp)
    SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[])`,
  head: `SELECT sequence, content_hash, ${ts('authority_timestamp')} AS authority_timestamp FROM events ORDER BY sequence DESC LIMIT 1`,
  range: `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence BETWEEN $1 AND $2 ORDER BY sequence LIMIT $3`,
  latest: `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events ORDER BY sequence DESC LIMIT $1) AS last ORDER BY sequence`,
} as const;

interface EventRow {
  sequence: number;
  event_id: string;
  event_type: string;
  payload: JsonObject;
  agent_id: string;
  signing_key_id: string;
  signature: string;
  witness_id: string;
  witness_signature: string;
  prev_hash: string;
  content_hash: string;
  local_timestamp: string;
  authority_timestamp: string;
}

interface HeadRow {
  sequence: number | null;
  content_hash: string | null;
  authority_timestamp: string | null;
  authority_time: string;
  halted: boolean;
}

/** Converts a row to the domain type; nothing below this adapter sees a row. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    sequence: row.sequence,
    eventId: row.event_id,
    eventType: row.event_type,
    payload: row.payload,
    agentId: row.agent_id,
    signingKeyId: row.signing_key_id,
    signature: row.signature,
    witnessId: row.witness_id,
    witnessSignature: row.witness_signature,
    prevHash: row.prev_hash,
    contentHash: row.content_hash,
    localTimestamp: row.local_timestamp,
    authorityTimestamp: row.authority_timestamp,
  };
}

/** Column arrays for SQL.insertBatch, in its parameter order. */
function toInsertParams(events: StoredEvent[]): unknown[][] {
  return [
    events.map((e) => e.sequence),
    events.map((e) => e.eventId),
    events.map((e) => e.eventType),
    events.map((e) => JSON.stringify(e.payload)),
    events.map((e) => e.agentId),
    events.map((e) => e.signingKeyId),
    events.map((e) => e.signature),
    events.map((e) => e.witnessId),
    events.map((e) => e.witnessSignature),
    events.map((e) => e.prevHash),
    events.map((e) => e.contentHash),
    events.map((e) => e.localTimestamp),
    events.map((e) => e.authorityTimestamp),
  ];
}

/** The key in PostgreSQL's unique-violation detail, `Key (event_id)=(…) already exists.` (its words may be translated). */
const EVENT_ID_IN_DETAIL = /\(event_id\)=\(([0-9a-f-]{36})\)/;

/**
 * A duplicate event_id refused by the database, with the id in `details.eventId`, so a caller that inserted many
 * can say which of them was already stored. Every other error is returned unchanged.
 */
function namingStoredEvent(err: unknown, events: StoredEvent[]): unknown {
  if (!(err instanceof StoreError) || err.code !== 'STORE_CONFLICT') return err;
  const detail = (err.cause as { detail?: unknown } | undefined)?.detail;
  const eventId = typeof detail === 'string' ? EVENT_ID_IN_DETAIL.exec(detail)?.[1] : undefined;
  if (eventId === undefined || !events.some((e) => e.eventId === eventId)) return err;
  return new StoreError({ code: 'STORE_CONFLICT', message: `${err.message}: event_id ${eventId}`, details: { ...err.details, eventId }, cause: err.cause });
}

/**
 * EventStore on PostgreSQL, used unchanged for the `pg` pool and for embedded PGlite. Appends take the append lock
 * (append-lock.ts), read the head, the database clock and the witness keys, let the caller build the batch, and
 * insert it in one statement: a batch is one transaction and one WAL flush (group commit).
 */
export function createPgEventStore(client: SqlClient): EventStore {
  return {
    append(build, effect) {
      return client.transaction(async (tx) => {
        await takeAppendLock(tx);
        const [row] = await tx.query<HeadRow>(SQL.headForAppend);
        // Read under the lock: no key can open or close before this transaction ends (003's key triggers take it
        // too), so the pool used here is the pool any verifier will compute for these events.
        const witnessKeys = (await tx.query<KeyRow>(WITNESS_KEYS_SQL)).map(toPublicKeyRecord);
        if (row === undefined) throw new Error('head query returned no row'); // (SELECT 1) always yields one row
        const head: AppendHead = {
          sequence: row.sequence ?? 0,
          contentHash: row.content_hash ?? GENESIS_PREV_HASH,
          authorityTimestamp: row.authority_timestamp ?? undefined,
          authorityTime: row.authority_time,
          witnessKeys,
          halted: row.halted,
        };
        const events = await build(head);
        if (events.length > 0) await tx.query(SQL.insertBatch, toInsertParams(events)).catch((err: unknown) => Promise.reject(namingStoredEvent(err, events)));
        if (effect !== undefined) await applyAppendEffect(tx, effect, events.at(-1)?.sequence);
        return events;
      });
    },
    async head(): Promise<ChainLink | undefined> {
      const [row] = await client.query<{ sequence: number; content_hash: string; authority_timestamp: string }>(SQL.head);
      return row === undefined ? undefined : { sequence: row.sequence, contentHash: row.content_hash, authorityTimestamp: row.authority_timestamp };
    },
    async readRange(fromSequence, toSequence, limit) {
      return (await client.query<EventRow>(SQL.range, [fromSequence, toSequence, limit])).map(toStoredEvent);
    },
    async readLatest(count) {
      return (await client.query<EventRow>(SQL.latest, [count])).map(toStoredEvent);
    },
  };
}
