import { InputError } from '../../../domain/errors.js';
import { isEventType } from '../../../domain/chain/identifiers.js';
import type { EventFilter } from '../../../app/ports.js';
import type { EventPageQuery } from '../../schemas/observer.js';

/** A page request in domain terms. */
export interface EventPageRequest {
  afterSequence: number;
  limit: number;
  filter: EventFilter;
}

/**
 * Converts the validated query of GET /v1/observer/events (text matching eventPageQuerySchema's patterns) into
 * numbers and a filter. Throws InputError INPUT_FIELD_INVALID as parseEventTypes does.
 */
export function toEventPageRequest(query: EventPageQuery, maxEventTypes: number): EventPageRequest {
  const filter: EventFilter = {};
  if (query.event_type !== undefined) filter.eventTypes = parseEventTypes(query.event_type, maxEventTypes);
  if (query.agent_id !== undefined) filter.agentId = query.agent_id;
  if (query.from !== undefined) filter.from = query.from;
  if (query.to !== undefined) filter.to = query.to;
  if (query.session_id !== undefined) filter.sessionId = query.session_id;
  // The schema's patterns allow at most 15 digits, so Number() is exact here.
  return { afterSequence: Number(query.after_sequence), limit: Number(query.limit), filter };
}

/**
 * The distinct types of an `event_type` query member (a comma list already matching EVENT_TYPE_LIST). Throws
 * InputError INPUT_FIELD_INVALID (details.field = event_type) for a type longer than the grammar allows or a list
 * of more than `maxEventTypes`.
 */
export function parseEventTypes(list: string, maxEventTypes: number): string[] {
  const types = [...new Set(list.split(','))];
  const bad = types.find((type) => !isEventType(type));
  if (bad !== undefined || types.length > maxEventTypes) {
    throw new InputError({
      code: 'INPUT_FIELD_INVALID',
      message: bad !== undefined ? 'event_type: each type is dot-separated lowercase words of at most 128 characters' : `event_type: at most ${maxEventTypes} types`,
      details: { location: 'querystring', field: 'event_type' },
    });
  }
  return types;
}
