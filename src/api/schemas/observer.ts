import { storedEventSchema } from './event.js';

/** Most events one page of GET /v1/observer/events returns. */
export const MAX_PAGE_LIMIT = 1000;
/** Most event types one `event_type` filter may list. */
export const MAX_EVENT_TYPES = 32;

// Query strings and path parameters are text. They are validated as text with exact patterns and converted in the
// route, instead of letting Ajv coerce them (which would accept " 12", "1e3" or "0x10" as numbers).
// Sequence numbers get at most 15 digits, so every accepted one is a safe integer.
export const SEQUENCE_AFTER = '^(0|[1-9][0-9]{0,14})$';
export const SEQUENCE = '^[1-9][0-9]{0,14}$';
const LIMIT = '^([1-9][0-9]{0,2}|1000)$';
// RFC 3339 with an upper-case T and Z, at most microseconds, years 0001-9999 and offsets within ±15:59: every
// value this accepts, PostgreSQL's timestamptz accepts too. `format` adds the calendar check (no 30 February).
const RFC3339 = '^(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$';
// The grammars of src/domain/chain/identifiers.ts (each event type is checked again there, for its length).
export const EVENT_TYPE_LIST = '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(,[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*)*$';
export const IDENTIFIER = '^[A-Za-z0-9][A-Za-z0-9:_.\\-]*$';
/** A lowercase hyphenated UUID (event ids, Conclave session ids). */
export const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** The `session_id` filter of GET /v1/observer/events and …/stream: one Conclave session's events. */
export const SESSION_ID_FILTER = {
  type: 'string',
  pattern: UUID,
  description: 'Only the events of this Conclave session (conclave.* events whose payload session_id is this lowercase UUID).',
} as const;

/** Query of GET /v1/observer/events. Unknown members are refused, not ignored. */
export const eventPageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after_sequence: { type: 'string', pattern: SEQUENCE_AFTER, default: '0', description: 'Return events with a greater sequence (an integer ≥ 0): the `next.after_sequence` of the previous page.' },
    limit: { type: 'string', pattern: LIMIT, default: '100', description: `Most events to return, 1–${MAX_PAGE_LIMIT}.` },
    event_type: { type: 'string', maxLength: MAX_EVENT_TYPES * 129, pattern: EVENT_TYPE_LIST, description: `Only these event types: a comma-separated list of at most ${MAX_EVENT_TYPES}.` },
    agent_id: { type: 'string', maxLength: 128, pattern: IDENTIFIER, description: 'Only events signed by this agent.' },
    from: { type: 'string', format: 'date-time', pattern: RFC3339, description: 'Only events with authority_timestamp ≥ from (RFC 3339).' },
    to: { type: 'string', format: 'date-time', pattern: RFC3339, description: 'Only events with authority_timestamp < to (RFC 3339).' },
    session_id: SESSION_ID_FILTER,
  },
} as const;

/** The query as it arrives, after validation against eventPageQuerySchema (defaults filled in). */
export interface EventPageQuery {
  after_sequence: string;
  limit: string;
  event_type?: string;
  agent_id?: string;
  from?: string;
  to?: string;
  session_id?: string;
}

/** Path parameters of GET /v1/observer/events/:event_id. */
export const eventIdParamsSchema = {
  type: 'object',
  required: ['event_id'],
  properties: { event_id: { type: 'string', pattern: UUID, description: 'The event’s UUID, lowercase and hyphenated.' } },
} as const;

/** Path parameters of GET /v1/observer/events/sequence/:sequence. */
export const sequenceParamsSchema = {
  type: 'object',
  required: ['sequence'],
  properties: { sequence: { type: 'string', pattern: SEQUENCE, description: 'The event’s sequence number, an integer ≥ 1.' } },
} as const;

/** One page of events and where the next one starts (null: this page reached the end of the log as it is now). */
export const eventPageSchema = {
  type: 'object',
  required: ['events', 'next'],
  properties: {
    events: { type: 'array', items: storedEventSchema },
    next: {
      type: ['object', 'null'],
      required: ['after_sequence'],
      properties: { after_sequence: { type: 'integer' } },
    },
  },
} as const;
