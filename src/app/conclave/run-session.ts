import { randomUUID } from 'node:crypto';
import type { SignedKeeperStatement } from '../../domain/signing/keeper-statement.js';
import { AppError, DeliberationError, HaltError } from '../../domain/errors.js';
import { CLERK_ID, SESSION_EVENT, type SessionEvent } from '../../domain/deliberation/session-events.js';
import { replaySession, SessionProcedure, type ModelAct } from '../../domain/deliberation/session-procedure.js';
import { eventForFailure, eventForProposal, eventForReply } from '../../domain/deliberation/act-events.js';
import { checkSessionRules, DEFAULT_SESSION_RULES, type SessionRules } from '../../domain/deliberation/session-rules.js';
import { requestFor, type SpokenLine } from './prompts.js';
import { checkProposer, type Motion } from '../../domain/deliberation/motion.js';
import type { Archon } from '../../domain/deliberation/archon.js';
import type { Roster } from '../../domain/deliberation/roster.js';
import type { StoredEvent } from '../../domain/chain/event.types.js';
import type { Tally } from '../../domain/deliberation/tally.js';
import type { LlmClient } from '../ports.js';
import type { SessionLog } from './session-log.js';

/** Where writes stand: the halt guard's view. */
export interface WriteStatus {
  /** False while halted (or the halt state is unknown): the session pauses between acts. */
  writable(): boolean | Promise<boolean>;
}

export interface ConclaveDeps {
  roster: Roster;
  llm: LlmClient;
  log: SessionLog;
  halt: WriteStatus;
  /** Events written per atomic batch (at most the appender's batch limit); the last batch is written at once. */
  flushEvery?: number;
  /** How often to look at the halt state while paused. */
  haltPollMs?: number;
  onProgress?: (progress: SessionProgress) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface SessionProgress {
  sessionId: string;
  /** Events of the session in the log. */
  written: number;
  /** An estimate of the session's events in all (grows little after the roll call). */
  estimatedTotal: number;
  /** Set while the session waits for a halt to clear. */
  paused?: boolean;
}

export interface StartSessionRequest {
  motion: Motion;
  rules?: Partial<SessionRules>;
  seed?: string;
  provider: string;
  /** The session's id when the caller chose it (a keeper's signed opening names it); a new UUID otherwise. */
  sessionId?: string;
  /** A keeper's signed opening, verified by the caller, recorded in session_opened. */
  authorization?: SignedKeeperStatement;
}

export interface SessionOutcome {
  sessionId: string;
  events: number;
  reason: string;
  tally: Tally | undefined;
}

const DEFAULT_FLUSH_EVERY = 64;
const HALT_CHECK_MS = 50;

/**
 * Opens a session (checking the motion against the roster and the rules against their floors, and provisioning a
 * key for every archon and the clerk), writes its opening event, and runs it to adjournment.
 * Throws DeliberationError DELIBERATION_MOTION_INVALID before writing anything when the motion or rules are bad.
 */
export async function startSession(deps: ConclaveDeps, request: StartSessionRequest): Promise<SessionOutcome> {
  const rules = checkSessionRules({ ...DEFAULT_SESSION_RULES, ...request.rules });
  const { motion } = request;
  checkProposer(motion, deps.roster.archons);
  // The Knight witnesses vote validations; the roster always seats exactly one (parseRoster).
  const witness = deps.roster.archons.find((a) => a.rank === 'Knight') as Archon;
  const sessionId = request.sessionId ?? randomUUID();
  // A chosen id opens one session: a signed opening used twice is refused here (and by the database's unique
  // (session_id, step) should two arrive at once: DELIBERATION_SESSION_BUSY).
  if (request.sessionId !== undefined && (await deps.log.read(sessionId)).length > 0) {
    throw new DeliberationError({ code: 'DELIBERATION_SESSION_EXISTS', message: `session ${sessionId} is already in the log: an opening opens one session`, details: { sessionId } });
  }
  const opening = SessionProcedure.openingEvent({
    sessionId,
    motion,
    rules,
    seats: deps.roster.archons.map((a) => ({ id: a.id, rank: a.rank })),
    secretaries: [deps.roster.secretaries[0].id, deps.roster.secretaries[1].id],
    witness: witness.id,
    seed: request.seed ?? randomUUID(),
    provider: request.provider,
    ...(request.authorization === undefined ? {} : { authorization: request.authorization }),
  });
  await deps.log.provision([CLERK_ID, ...deps.roster.archons.map((a) => a.id)]);
  await deps.log.append([opening]);
  return runSession(deps, opening.payload.session_id as string);
}

/**
 * Runs a session from where its events in the log stop, to adjournment: `archon72 conclave resume`, and the rest of
 * startSession. Each act is decided by the procedure from the events so far; archons' acts are answered by their
 * models (votes concurrently, recorded in speaking order); events are written in atomic batches. Anything not yet
 * written when the process dies never happened: the next run decides and asks those acts again. While the system
 * is halted nothing is written; the session waits, then re-reads the log and continues.
 * Throws DELIBERATION_SESSION_NOT_FOUND, DELIBERATION_SESSION_FINISHED (nothing to resume),
 * DELIBERATION_SESSION_CORRUPT (the log's events break the procedure) and the log's write errors other than halts.
 */
export async function runSession(deps: ConclaveDeps, sessionId: string): Promise<SessionOutcome> {
  let stored = await deps.log.read(sessionId);
  if (stored.length === 0) throw new DeliberationError({ code: 'DELIBERATION_SESSION_NOT_FOUND', message: `no Conclave session ${sessionId} is in the log`, details: { sessionId } });
  let state = resumeFrom(stored);
  if (state.session.finished) throw new DeliberationError({ code: 'DELIBERATION_SESSION_FINISHED', message: `session ${sessionId} has adjourned`, details: { sessionId } });
  const flushEvery = Math.max(1, Math.min(deps.flushEvery ?? DEFAULT_FLUSH_EVERY, 100));
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let pending: SessionEvent[] = [];
  let written = stored.length;
  const report = (paused?: boolean) => deps.onProgress?.({ sessionId, written, estimatedTotal: estimate(state.session, written + pending.length), ...(paused ? { paused } : {}) });

  /** Writes the pending events in atomic batches of at most flushEvery; false when a halt refused one. */
  const flush = async (): Promise<boolean> => {
    try {
      while (pending.length > 0) {
        const batch = pending.slice(0, flushEvery);
        await deps.log.append(batch);
        written += batch.length;
        pending = pending.slice(batch.length);
        report();
      }
      return true;
    } catch (err) {
      if (!(err instanceof HaltError)) throw err;
      return false;
    }
  };
  /** Drops what was not written, waits for writes to be allowed, and continues from the log. */
  const pauseAndResync = async () => {
    pending = [];
    report(true);
    while (!(await deps.halt.writable())) await sleep(deps.haltPollMs ?? 250);
    stored = await deps.log.read(sessionId);
    written = stored.length;
    state = resumeFrom(stored);
  };

  // The halt state is read between acts, at most every HALT_CHECK_MS: the database refuses every write while
  // halted anyway (migration 009), so this only keeps a halted session from asking its models for more acts.
  let checkedAt = -Infinity;
  const halted = async (): Promise<boolean> => {
    if (performance.now() - checkedAt < HALT_CHECK_MS) return false;
    checkedAt = performance.now();
    return !(await deps.halt.writable());
  };

  report();
  for (;;) {
    if (await halted()) {
      await pauseAndResync();
      continue;
    }
    const { session } = state;
    const act = session.expected();
    if (act.kind === 'done') break;
    if (act.kind === 'vote') {
      for (const event of await askVoters(deps, state)) accept(state, event, pending);
    } else {
      const event = act.kind === 'record' ? act.event : act.kind === 'propose' ? eventForProposal(session, act) : await ask(deps, state, act);
      accept(state, event, pending);
    }
    if ((pending.length >= flushEvery || state.session.finished) && !(await flush())) await pauseAndResync();
  }
  if (!(await flush())) return runSession(deps, sessionId);
  return { sessionId, events: written, reason: state.reason ?? 'completed', tally: state.session.result };
}

interface RunState {
  session: SessionProcedure;
  /** Speeches so far, for the next prompts. */
  spoken: SpokenLine[];
  reason: string | undefined;
}

function resumeFrom(stored: readonly StoredEvent[]): RunState {
  const events = stored.map(toSessionEvent);
  const session = replaySession(events);
  const state: RunState = { session, spoken: [], reason: undefined };
  for (const event of events) remember(state, event);
  return state;
}

function accept(state: RunState, event: SessionEvent, pending: SessionEvent[]): void {
  const stamped = state.session.stamp(event);
  state.session.apply(stamped);
  remember(state, stamped);
  pending.push(stamped);
}

function remember(state: RunState, event: SessionEvent): void {
  if ((event.eventType === SESSION_EVENT.speech || event.eventType === SESSION_EVENT.redTeamSpeech) && typeof event.payload.text === 'string') {
    state.spoken.push({ archon: event.agentId, text: event.payload.text });
  }
  if (event.eventType === SESSION_EVENT.adjourned) state.reason = String(event.payload.reason);
}

/** One archon's act: its model's reply as an event, or its failure recorded (never aborting the session). */
async function ask(deps: ConclaveDeps, state: RunState, act: ModelAct): Promise<SessionEvent> {
  const { session } = state;
  const archon = deps.roster.byId(act.archon);
  if (archon === undefined) throw new DeliberationError({ code: 'DELIBERATION_SESSION_CORRUPT', message: `${act.archon} is seated in session ${session.sessionId} but not in this roster` });
  try {
    const reply = await deps.llm.complete(requestFor(session, act, archon, state.spoken, (id) => deps.roster.byId(id)?.name ?? id));
    return eventForReply(session, act, reply.text);
  } catch (err) {
    if (!(err instanceof AppError) || !err.code.startsWith('LLM_')) throw err;
    return eventForFailure(session, act, { code: err.code, message: err.message });
  }
}

/** Every pending voter's vote, asked concurrently (the LLM client caps concurrency), in speaking order. */
async function askVoters(deps: ConclaveDeps, state: RunState): Promise<SessionEvent[]> {
  const voters = state.session.pendingVoters();
  return Promise.all(voters.map((archon) => ask(deps, state, { kind: 'vote', archon })));
}

function estimate(session: SessionProcedure, sofar: number): number {
  const seats = session.opening.seats.length;
  const present = session.present.length || seats;
  const rules = session.opening.rules;
  const speeches = rules.rounds * present;
  const full = 1 + seats + 4 + speeches + Math.floor(speeches / rules.digestEvery) + 1 + rules.redTeamSize + present + (rules.validateVotes ? present * 3 : 0) + 3;
  return Math.max(full, sofar);
}

function toSessionEvent(event: StoredEvent): SessionEvent {
  return { eventType: event.eventType, agentId: event.agentId, payload: event.payload };
}
