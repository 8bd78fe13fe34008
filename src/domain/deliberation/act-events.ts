import { parseSecond, parseStance, parseVote } from './parse-reply.js';
import { CLERK_ID, SESSION_EVENT, type SessionEvent, type SessionOpening } from './session-events.js';
import type { Act, ModelAct } from './session-procedure.js';

/** What the events of an act are built from: the session's id and its opening (the motion). */
export interface ActSession {
  readonly sessionId: string;
  readonly opening: SessionOpening;
}

/**
 * The event an archon's act produces from its model's reply `text`: the reply verbatim, with what the procedure
 * read from it (stance, vote choice, second) beside it; unreadable answers are recorded as unreadable.
 */
export function eventForReply(session: ActSession, act: ModelAct, text: string): SessionEvent {
  const id = session.sessionId;
  switch (act.kind) {
    case 'roll_call':
      return { eventType: SESSION_EVENT.present, agentId: act.archon, payload: { session_id: id, text } };
    case 'second': {
      const answer = parseSecond(text);
      return answer === 'SECOND'
        ? { eventType: SESSION_EVENT.seconded, agentId: act.archon, payload: { session_id: id, text } }
        : { eventType: SESSION_EVENT.declined, agentId: act.archon, payload: { session_id: id, text, readable: answer !== undefined } };
    }
    case 'speech':
      return {
        eventType: SESSION_EVENT.speech,
        agentId: act.archon,
        payload: { session_id: id, round: act.round, number: act.number, text, stance: parseStance(text) ?? null, ...(act.argues === undefined ? {} : { argues: act.argues }) },
      };
    case 'digest':
      return { eventType: SESSION_EVENT.digest, agentId: act.archon, payload: { session_id: id, after_speech: act.afterSpeech, counts: act.counts, text } };
    case 'red_team_speech':
      return { eventType: SESSION_EVENT.redTeamSpeech, agentId: act.archon, payload: { session_id: id, argues: act.argues, text, stance: parseStance(text) ?? null } };
    case 'vote':
      return { eventType: SESSION_EVENT.vote, agentId: act.archon, payload: { session_id: id, choice: parseVote(text) ?? null, raw: text } };
    case 'validate':
      return { eventType: SESSION_EVENT.validated, agentId: act.archon, payload: { session_id: id, voter: act.voter, reading: parseVote(text) ?? null, raw: text } };
  }
}

/**
 * The event recording that an archon's act failed (its provider timed out, refused, answered garbage): signed by
 * the clerk, naming the archon, the act and the error. A failed roll call answer makes the archon absent.
 */
export function eventForFailure(session: ActSession, act: ModelAct, failure: { code: string; message: string }): SessionEvent {
  const id = session.sessionId;
  if (act.kind === 'roll_call') return { eventType: SESSION_EVENT.absent, agentId: CLERK_ID, payload: { session_id: id, archon_id: act.archon, code: failure.code, message: failure.message } };
  return { eventType: SESSION_EVENT.failed, agentId: CLERK_ID, payload: { session_id: id, archon_id: act.archon, act: actName(act), code: failure.code, message: failure.message } };
}

/** A King's proposal: the motion as the session recorded it, signed by the King. */
export function eventForProposal(session: ActSession, act: Extract<Act, { kind: 'propose' }>): SessionEvent {
  return { eventType: SESSION_EVENT.proposed, agentId: act.archon, payload: { session_id: session.sessionId, ...motionPayload(session.opening) } };
}

/** The motion's members as session events record them (protocol names). */
export function motionPayload(opening: SessionOpening): Record<string, string> {
  const m = opening.motion;
  return { title: m.title, text: m.text, kind: m.kind, ...(m.proposer === undefined ? {} : { proposer: m.proposer }), ...(m.submittedBy === undefined ? {} : { submitted_by: m.submittedBy }) };
}

/** An act's name in act_failed events and messages. */
export function actName(act: ModelAct): string {
  return act.kind === 'validate' ? 'vote_validation' : act.kind;
}
