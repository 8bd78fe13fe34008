import { ApiError, apiErrorOf } from '../domain/api-error.js';
import type { EventJson } from '../domain/chain/event-json.js';

export { ApiError } from '../domain/api-error.js';

/** GET a JSON document of this origin; non-2xx answers become ApiError with the server's code and message. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw apiErrorOf(response.status, await response.text());
  return (await response.json()) as T;
}

/** GET, answering undefined for 404 (an event or checkpoint that does not exist yet). */
export async function getJsonOrUndefined<T>(path: string): Promise<T | undefined> {
  try {
    return await getJson<T>(path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** The halt state as GET /v1/halt answers it. */
export interface HaltState {
  halted: boolean;
  reason: string | null;
  halted_at: string | null;
  instance: string;
}

/** A checkpoint as GET /v1/observer/checkpoints/latest?format=json answers it. */
export interface CheckpointJson {
  tree_size: number;
  root_hash: string;
  note: string;
  signing_key_id: string;
  created_at: string;
}

/** One page of GET /v1/observer/events. */
export interface EventPage {
  events: EventJson[];
  next: { after_sequence: number } | null;
}

/** An archon of GET /v1/conclave/roster. */
export interface RosterArchon {
  id: string;
  name: string;
  rank: string;
}

/** Query string from defined values only. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Every event of a filter, page by page to the end: a session, or the sessions' openings (the log as a whole is
 * never read so). No page limit: a list cut short without saying so would show a session's tally without its last
 * votes, or hide the newest sessions.
 */
export async function allEvents(filter: Record<string, string | undefined>): Promise<EventJson[]> {
  const events: EventJson[] = [];
  for (let after = 0; ; ) {
    const result = await getJson<EventPage>(`/v1/observer/events${query({ ...filter, after_sequence: after, limit: 1000 })}`);
    events.push(...result.events);
    if (result.next === null) return events;
    after = result.next.after_sequence;
  }
}
