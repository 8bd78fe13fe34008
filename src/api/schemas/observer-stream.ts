import { EVENT_TYPE_LIST, IDENTIFIER, MAX_EVENT_TYPES, SEQUENCE_AFTER, SESSION_ID_FILTER } from './observer.js';

/** Query of GET /v1/observer/events/stream. */
export const eventStreamQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    event_type: { type: 'string', maxLength: MAX_EVENT_TYPES * 129, pattern: EVENT_TYPE_LIST, description: `Only these event types: a comma-separated list of at most ${MAX_EVENT_TYPES}.` },
    agent_id: { type: 'string', maxLength: 128, pattern: IDENTIFIER, description: 'Only events signed by this agent.' },
    session_id: SESSION_ID_FILTER,
    last_event_id: {
      type: 'string',
      pattern: SEQUENCE_AFTER,
      description: 'Replay every event after this sequence first (for clients that cannot send the Last-Event-ID header, which wins when both are given).',
    },
  },
} as const;

/** The query as it arrives, after validation against eventStreamQuerySchema. */
export interface EventStreamQuery {
  event_type?: string;
  agent_id?: string;
  session_id?: string;
  last_event_id?: string;
}

/** Headers of GET /v1/observer/events/stream that the route reads (others pass). */
export const eventStreamHeadersSchema = {
  type: 'object',
  properties: {
    'last-event-id': { type: 'string', pattern: SEQUENCE_AFTER, description: 'The `id` of the last event received: the stream replays every later event first.' },
  },
} as const;
