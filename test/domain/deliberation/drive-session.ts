import { loadRoster } from '../../../src/adapters/conclave/roster-file.js';
import { SessionProcedure, type Act, type ModelAct } from '../../../src/domain/deliberation/session-procedure.js';
import { eventForFailure, eventForProposal, eventForReply } from '../../../src/domain/deliberation/act-events.js';
import { chooseRedTeam } from '../../../src/domain/deliberation/red-team.js';
import { DEFAULT_SESSION_RULES, type SessionRules } from '../../../src/domain/deliberation/session-rules.js';
import type { Motion } from '../../../src/domain/deliberation/motion.js';
import type { Seat, SessionEvent, SessionOpening } from '../../../src/domain/deliberation/session-events.js';
import type { LoggedSessionEvent } from '../../../src/domain/deliberation/transcript.js';

/**
 * Shared fixtures for the deliberation tests: the real roster (data/conclave/roster.json), sessions opened on it,
 * and a scripted fake model (a pure function from act to reply) that drives SessionProcedure to adjournment the
 * way src/app/conclave/run-session.ts does, minus the I/O.
 */

export const ROSTER = loadRoster();
/** All 72 seats in speaking order. */
export const SEATS: Seat[] = ROSTER.archons.map((a) => ({ id: a.id, rank: a.rank }));
/** The agent id of the archon called `name` (`ARCHON:<lowercase name>`). */
export const id = (name: string): string => `ARCHON:${name.toLowerCase()}`;
export const KINGS: string[] = SEATS.filter((s) => s.rank === 'King').map((s) => s.id);
export const SECRETARIES: [string, string] = [ROSTER.secretaries[0].id, ROSTER.secretaries[1].id];
export const WITNESS: string = (SEATS.find((s) => s.rank === 'Knight') as Seat).id;

export const KING_MOTION: Motion = { title: 'Publish the audit trail', text: 'Publish every audit record.\nWithin a week.', kind: 'policy', proposer: id('Bael') };
export const KEEPER_MOTION: Motion = { title: 'Rotate keeper keys', text: 'Rotate all keeper keys yearly.', kind: 'procedural', submittedBy: 'KEEPER:alice' };

/** A session on the real roster under the default rules, with any of its parts replaced. */
export function openingFor(overrides: { motion?: Motion; rules?: Partial<SessionRules>; seed?: string; seats?: Seat[] } = {}): SessionOpening {
  return {
    sessionId: 'session-0001',
    motion: overrides.motion ?? KING_MOTION,
    rules: { ...DEFAULT_SESSION_RULES, ...overrides.rules },
    seats: overrides.seats ?? SEATS,
    secretaries: SECRETARIES,
    witness: WITNESS,
    seed: overrides.seed ?? 'seed-0001',
    provider: 'simulated',
  };
}

/** What a scripted model answers an act with: reply text, or a provider failure (recorded by eventForFailure). */
export type Answer = string | { failure: string };
export type Model = (act: ModelAct) => Answer;
type Script = { [K in ModelAct['kind']]?: (act: Extract<ModelAct, { kind: K }>) => Answer };

/** A speech's text ending with `STANCE: <stance>`. */
export const says = (stance: string, text = 'I have considered the motion.'): string => `${text}\nSTANCE: ${stance}`;
export const vote = (choice: string): string => `{"choice":"${choice}"}\nMy reason.`;

/**
 * A model that answers everything in form unless `script` says otherwise: present at roll call, SECOND, speeches
 * alternating FOR (odd numbers) and AGAINST (even: no consensus ever forms), the red team arguing its side, AYE
 * votes, and validators reading each vote's first line as it is.
 */
export function scriptedModel(script: Script = {}): Model {
  const defaults: Required<Script> = {
    roll_call: () => 'Present.',
    second: () => 'SECOND\nThe motion deserves a debate.',
    speech: (act) => says(act.number % 2 === 1 ? 'FOR' : 'AGAINST'),
    digest: (act) => `Digest after ${act.afterSpeech} speeches.`,
    red_team_speech: (act) => says(act.argues, 'The other side has a point.'),
    vote: () => vote('AYE'),
    validate: (act) => act.raw.split('\n')[0] as string,
  };
  return (act) => {
    const answer = (script[act.kind] ?? defaults[act.kind]) as (a: ModelAct) => Answer;
    return answer(act);
  };
}

/** Fails the roll call of every archon in `absent` (LLM_TIMEOUT); the rest answer as `model` does. */
export function withAbsent(absent: readonly string[], model: Model): Model {
  return (act) => (act.kind === 'roll_call' && absent.includes(act.archon) ? { failure: 'LLM_TIMEOUT' } : model(act));
}

export interface DrivenSession {
  session: SessionProcedure;
  /** Every event as the log stores it (each stamped with its step), the opening first. */
  events: SessionEvent[];
  /** The same events as the procedure built them, without the step stamp: what most assertions compare. */
  built: SessionEvent[];
  /** Every act the procedure asked for, in order (events[i + 1] answers acts[i]). */
  acts: Act[];
}

/** The event answering `act` with `answer`, as the runner builds it. */
export function answerEvent(session: SessionProcedure, act: ModelAct, answer: Answer): SessionEvent {
  return typeof answer === 'string' ? eventForReply(session, act, answer) : eventForFailure(session, act, { code: answer.failure, message: `${answer.failure} while answering` });
}

/** Runs a session from its opening to adjournment, answering every archon act with `model`. */
export function driveSession(opening: SessionOpening, model: Model): DrivenSession {
  const first = SessionProcedure.openingEvent(opening);
  const session = SessionProcedure.open(first);
  const events: SessionEvent[] = [first];
  const acts: Act[] = [];
  for (let act = session.expected(); act.kind !== 'done'; act = session.expected()) {
    if (acts.length > 5000) throw new Error('the session does not end');
    acts.push(act);
    const event = session.stamp(act.kind === 'record' ? act.event : act.kind === 'propose' ? eventForProposal(session, act) : answerEvent(session, act, model(act)));
    session.apply(event);
    events.push(event);
  }
  return { session, events, built: events.map(withoutStep), acts };
}

/** An event without its `step` stamp, as the procedure built it. */
export function withoutStep({ payload: { step: _step, ...payload }, ...event }: SessionEvent): SessionEvent {
  return { ...event, payload };
}

/** The events of `type` as the procedure built them: without the `step` stamp (its own tests check the steps). */
export const ofType = (events: readonly SessionEvent[], type: string): SessionEvent[] => events.filter((e) => e.eventType === type).map(withoutStep);

/** The events as the log returns them: sequence numbers from `first`, one timestamp each. */
export function logged(events: readonly SessionEvent[], first = 101): LoggedSessionEvent[] {
  return events.map((e, i) => ({ ...e, sequence: first + i, authorityTimestamp: `2026-03-01T10:00:${String(i % 60).padStart(2, '0')}.000000Z` }));
}

/** The archons absent from richSession. */
export const RICH_ABSENT: readonly string[] = [id('Asmoday'), id('Gaap'), id('Raum')];

/**
 * A session with something of every kind (two rounds, validated votes): three absent; an unreadable decline, then a
 * second; a failed speech; a consensus break with steelmen; a failed digest; a red team with a failed member; an
 * unparseable vote, a failed vote, and validation with two corrections and a failed validator.
 */
export function richSession(): DrivenSession {
  const redTeamFailure = chooseRedTeam(SEATS.filter((s) => !RICH_ABSENT.includes(s.id)), 5, 'seed-rich')[1];
  const model = scriptedModel({
    second: (act) => (act.archon === id('Balam') ? 'Not sure.' : 'SECOND\nLet us debate.'),
    speech: (act) => {
      if (act.argues !== undefined) return says(act.argues, 'Steelmanning the other side.');
      if (act.number === 5) return { failure: 'LLM_UNREACHABLE' };
      if (act.number === 40) return 'No stance this time.';
      if (act.number <= 30) return says(act.number % 7 === 0 ? 'AGAINST' : 'FOR');
      return says(act.number % 2 === 0 ? 'FOR' : 'NEUTRAL');
    },
    digest: (act) => (act.afterSpeech === 20 ? { failure: 'LLM_RATE_LIMITED' } : `So far, after ${act.afterSpeech}.`),
    red_team_speech: (act) => (act.archon === redTeamFailure ? { failure: 'LLM_TIMEOUT' } : says(act.argues, 'Consider the risks.')),
    vote: (act) => {
      if (act.archon === id('Bael')) return 'aye';
      if (act.archon === id('Zagan')) return { failure: 'LLM_TIMEOUT' };
      if (act.archon === id('Beleth')) return vote('AYE');
      return vote(SEATS.findIndex((s) => s.id === act.archon) % 4 === 0 ? 'NAY' : 'AYE');
    },
    validate: (act) => {
      if (act.voter === id('Bael')) return vote('AYE');
      if (act.voter === id('Beleth')) return vote('NAY');
      if (act.voter === id('Belial') && act.archon === WITNESS) return { failure: 'LLM_TIMEOUT' };
      return act.raw.split('\n')[0] as string;
    },
  });
  return driveSession(openingFor({ rules: { rounds: 2, validateVotes: true }, seed: 'seed-rich' }), withAbsent(RICH_ABSENT, model));
}
