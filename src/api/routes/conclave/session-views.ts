import { sessionResults } from '../../../domain/deliberation/results.js';
import type { Roster } from '../../../domain/deliberation/roster.js';
import type { StoredEvent } from '../../../domain/chain/event.types.js';

/**
 * GET /v1/conclave/sessions/{id}: where a session stands, from sessionResults over its events (which replays them
 * through the procedure first: DELIBERATION_SESSION_CORRUPT when they do not follow it). `running` is this
 * instance's view.
 */
export function toSessionStatus(events: readonly StoredEvent[], running: boolean): Record<string, unknown> {
  const results = sessionResults(events);
  const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
  return {
    session_id: results.session_id,
    status: results.status,
    running,
    motion: results.motion,
    provider: results.provider,
    present: count(results.present),
    absent: count(results.absent),
    speeches: results.speeches,
    stances: results.stances,
    tally: results.tally,
    result: results.result,
    adjournment: results.adjournment,
    events: events.length,
    first_sequence: results.first_sequence,
    last_sequence: results.last_sequence,
  };
}

/** GET /v1/conclave/roster: the archons in speaking order, persona members in the API's snake_case. */
export function toRosterJson(roster: Roster): { archons: Array<Record<string, unknown>> } {
  return {
    archons: roster.archons.map((a) => ({
      id: a.id,
      name: a.name,
      rank: a.rank,
      branch: a.branch,
      role: a.role,
      persona: { goal: a.persona.goal, epistemic_method: a.persona.epistemicMethod, red_lines: a.persona.redLines, persuaded_by: a.persona.persuadedBy, voice: a.persona.voice },
    })),
  };
}
