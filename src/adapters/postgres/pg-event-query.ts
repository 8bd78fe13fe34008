import { EVENT_COLUMNS, toStoredEvent } from './pg-event-store.js';
import type { SqlExecutor } from './sql-client.js';
import type { EventFilter, EventQuery } from '../../app/ports.js';
import type { StoredEvent } from '../../domain/chain/event.types.js';

// Indexes from migrations/001: the primary key (sequence), events_event_type_sequence_idx (event_type, sequence),
// events_agent_id_sequence_idx (agent_id, sequence), events_event_id_key (event_id, from UNIQUE) and
// events_authority_timestamp_idx; a Conclave session's events by events_conclave_session_idx (migrations/012).
const SQL = {
  // One statement for every combination of filters: an absent filter is a NULL parameter, and the clause
  // `$n IS NULL OR …` folds away when PostgreSQL plans the statement with its parameters (both drivers send
  // unnamed statements, planned per execution). Without filters this is a primary-key range scan; with one
  // event type or an agent id, the (…, sequence) indexes return rows already in sequence order.
  page: `SELECT ${EVENT_COLUMNS} FROM events
    WHERE sequence > $1
      AND ($2::text[] IS NULL OR event_type = ANY ($2::text[]))
      AND ($3::text IS NULL OR agent_id = $3::text)
      AND ($4::timestamptz IS NULL OR authority_timestamp >= $4::timestamptz)
      AND ($5::timestamptz IS NULL OR authority_timestamp < $5::timestamptz)
      AND ($7::text IS NULL OR (event_type LIKE 'conclave.%' AND payload ->> 'session_id' = $7::text))
    ORDER BY sequence
    LIMIT $6`,
  byEventId: `SELECT ${EVENT_COLUMNS} FROM events WHERE event_id = $1::uuid`,
  bySequence: `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence = $1`,
} as const;

type EventRow = Parameters<typeof toStoredEvent>[0];

/**
 * EventQuery over the shared SqlClient, so it reads PostgreSQL and embedded PGlite alike. Each call is a single
 * statement, hence one snapshot. Parameters are assumed already validated by the caller (the observer routes):
 * a lowercase UUID, RFC 3339 timestamps PostgreSQL accepts, a positive limit. Driver errors arrive as StoreError
 * from the client (STORE_UNAVAILABLE when the database cannot be reached).
 */
export function createPgEventQuery(client: SqlExecutor): EventQuery {
  const first = async (sql: string, param: unknown): Promise<StoredEvent | undefined> => {
    const [row] = await client.query<EventRow>(sql, [param]);
    return row === undefined ? undefined : toStoredEvent(row);
  };
  return {
    async listEvents(afterSequence: number, limit: number, filter: EventFilter) {
      const params = [afterSequence, filter.eventTypes === undefined ? null : [...filter.eventTypes], filter.agentId ?? null, filter.from ?? null, filter.to ?? null, limit, filter.sessionId ?? null];
      return (await client.query<EventRow>(SQL.page, params)).map(toStoredEvent);
    },
    eventById: (eventId) => first(SQL.byEventId, eventId),
    eventBySequence: (sequence) => first(SQL.bySequence, sequence),
  };
}
