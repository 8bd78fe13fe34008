import { replaySession } from './session-procedure.js';
import { SESSION_EVENT } from './session-events.js';
import type { LoggedSessionEvent } from './transcript.js';

/**
 * A session's results as JSON, rebuilt from its events (replayed through the procedure first, so results are
 * only ever given for a session that followed it). Throws DELIBERATION_SESSION_CORRUPT as replaySession does.
 */
export function sessionResults(events: readonly LoggedSessionEvent[]): Record<string, unknown> {
  const session = replaySession(events);
  const of = (type: string) => events.filter((e) => e.eventType === type);
  const corrections = new Map(of(SESSION_EVENT.corrected).map((e) => [String(e.payload.voter), e.payload.to]));
  const adjourned = of(SESSION_EVENT.adjourned)[0];
  const tally = of(SESSION_EVENT.tally)[0];
  const redTeam = of(SESSION_EVENT.redTeamFormed)[0];
  // replaySession has checked there is an opening event, so the first and last events exist.
  const [first, last] = [events[0], events.at(-1)] as [LoggedSessionEvent, LoggedSessionEvent];
  const opening = first.payload;
  return {
    session_id: session.sessionId,
    motion: opening.motion,
    rules: opening.rules,
    provider: opening.provider,
    seed: opening.seed,
    status: session.finished ? 'adjourned' : 'in_progress',
    adjournment: adjourned === undefined ? null : adjourned.payload.reason,
    present: session.present,
    absent: of(SESSION_EVENT.absent).map((e) => e.payload.archon_id),
    seconded_by: of(SESSION_EVENT.seconded)[0]?.agentId ?? null,
    speeches: of(SESSION_EVENT.speech).length,
    stances: session.stanceCounts(),
    consensus_breaks: of(SESSION_EVENT.consensusBreak).length,
    red_team: redTeam === undefined ? null : { members: redTeam.payload.members, argues: redTeam.payload.argues },
    votes: of(SESSION_EVENT.vote).map((e) => ({ voter: e.agentId, choice: corrections.get(e.agentId) ?? e.payload.choice, cast: e.payload.choice })),
    failures: of(SESSION_EVENT.failed).map((e) => ({ archon_id: e.payload.archon_id, act: e.payload.act, code: e.payload.code })),
    tally: tally === undefined ? null : Object.fromEntries(Object.entries(tally.payload).filter(([k]) => k !== 'session_id' && k !== 'step')),
    result: of(SESSION_EVENT.result)[0]?.payload.result ?? null,
    first_sequence: first.sequence,
    last_sequence: last.sequence,
  };
}
