import { canonicalize } from '../chain/canonical-json.js';
import { DeliberationError } from '../errors.js';
import type { Choice, Stance } from './parse-reply.js';
import { exceeds, reaches } from './session-rules.js';
import { tallyVotes, type Tally } from './tally.js';
import { chooseRedTeam } from './red-team.js';
import { actName, eventForFailure, eventForProposal, eventForReply, motionPayload } from './act-events.js';
import { openingPayload, parseOpening } from './session-opening.js';
import { CLERK_ID, SESSION_EVENT, type CastVote, type SessionEvent, type SessionOpening, type StanceCounts } from './session-events.js';

/** A side an archon may be told to argue. */
export type Side = 'FOR' | 'AGAINST';

/**
 * The next act of a session. `record` acts are the clerk's and fully determined by the session so far; every other
 * act is an archon's, answered by its model (the runner calls it, then eventForReply or eventForFailure).
 */
export type Act =
  | { kind: 'roll_call'; archon: string }
  | { kind: 'propose'; archon: string }
  | { kind: 'second'; archon: string }
  | { kind: 'speech'; archon: string; round: number; number: number; argues: Side | undefined }
  | { kind: 'digest'; archon: string; afterSpeech: number; counts: StanceCounts }
  | { kind: 'red_team_speech'; archon: string; argues: Side }
  | { kind: 'vote'; archon: string }
  | { kind: 'validate'; archon: string; voter: string; raw: string }
  | { kind: 'record'; event: SessionEvent }
  | { kind: 'done' };

/** The archon acts a model answers. */
export type ModelAct = Exclude<Act, { kind: 'record' | 'done' | 'propose' }>;

interface SpeechRecord {
  archon: string;
  stance: Stance | null;
  argues: Side | undefined;
}

/**
 * The Conclave's procedure as a decider over the session's events: `expected()` says what must happen next, and
 * `apply(event)` accepts an event only when it is exactly that act's event (a clerk's event equal to the one the
 * procedure computes; an archon's event equal to what eventForReply or eventForFailure builds from its own text).
 * So the log alone replays a session (replaySession), a resumed session continues at the act after the last one
 * stored, and anyone auditing the log can check that the procedure was followed and the tally is right.
 * Pure: no I/O, no clock, no randomness (seeded choices derive from the recorded seed).
 */
export class SessionProcedure {
  readonly opening: SessionOpening;
  private readonly answered = new Map<string, boolean>();
  private quorum: boolean | undefined;
  private proposed = false;
  private readonly asked: string[] = [];
  private seconder: string | undefined;
  private died = false;
  private readonly speeches: SpeechRecord[] = [];
  private digests = 0;
  /** Index in `speeches` where the current consensus window starts (reset at each break). */
  private windowStart = 0;
  private steelmen: { side: Side; left: number } | undefined;
  private redTeam: { members: string[]; side: Side; spoken: number } | undefined;
  private readonly votes: CastVote[] = [];
  private failedVotes = 0;
  /** Per validated vote, in order: the readings so far (undefined: that validator failed). */
  private readonly validations: Array<{ voter: string; readings: Array<Choice | null | undefined> }> = [];
  private tally: Tally | undefined;
  private resulted = false;
  private adjourned = false;
  private count = 1;

  private constructor(opening: SessionOpening) {
    this.opening = opening;
  }

  /** A session from its opening (the first event's payload); throws DELIBERATION_SESSION_CORRUPT when malformed. */
  static open(event: SessionEvent): SessionProcedure {
    if (event.eventType !== SESSION_EVENT.opened || event.agentId !== CLERK_ID) corrupt(`the first event of a session must be the clerk's ${SESSION_EVENT.opened}, not ${event.eventType} by ${event.agentId}`);
    requireStep(event, 1);
    return new SessionProcedure(parseOpening(event.payload));
  }

  /** The opening event of a new session: step 1. */
  static openingEvent(opening: SessionOpening): SessionEvent {
    return withStep({ eventType: SESSION_EVENT.opened, agentId: CLERK_ID, payload: openingPayload(opening) }, 1);
  }

  /**
   * The next act's event as the log records it: its payload with `step`, the event's place in the session (the
   * opening is step 1). The database holds (session_id, step) unique (migration 013), so two runners of one
   * session cannot both write a step: the later one's batch is refused whole.
   */
  stamp(event: SessionEvent): SessionEvent {
    return withStep(event, this.count + 1);
  }

  get sessionId(): string {
    return this.opening.sessionId;
  }

  /** Events applied so far, the opening included. */
  get eventCount(): number {
    return this.count;
  }

  get finished(): boolean {
    return this.adjourned;
  }

  /** Present archons in speaking order (after the roll call). */
  get present(): string[] {
    return this.opening.seats.map((s) => s.id).filter((id) => this.answered.get(id) === true);
  }

  /** The archons still to vote, in speaking order, while the vote is open (the runner asks them concurrently). */
  pendingVoters(): string[] {
    if (this.expected().kind !== 'vote') return [];
    const voted = this.votes.length + this.failedVotes;
    return this.present.slice(voted);
  }

  /** Stances declared in the debate so far (steelman and red-team speeches excluded). */
  stanceCounts(): StanceCounts {
    return countStances(this.speeches.filter((s) => s.argues === undefined));
  }

  /** The last stance `archon` declared in its own voice, if any. */
  priorStance(archon: string): Stance | undefined {
    for (let i = this.speeches.length - 1; i >= 0; i--) {
      const s = this.speeches[i] as SpeechRecord;
      if (s.archon === archon && s.argues === undefined && s.stance !== null) return s.stance;
    }
    return undefined;
  }

  get result(): Tally | undefined {
    return this.tally;
  }

  /** What must happen next. */
  expected(): Act {
    const id = this.sessionId;
    const seats = this.opening.seats;
    if (this.adjourned) return { kind: 'done' };
    // 1. Roll call, in speaking order.
    const unanswered = seats.find((s) => !this.answered.has(s.id));
    if (unanswered !== undefined) return { kind: 'roll_call', archon: unanswered.id };
    const present = this.present;
    if (this.quorum === undefined) {
      const established = exceeds(present.length, this.opening.rules.quorum, seats.length);
      const payload = { session_id: id, present: present.length, roster_size: seats.length, quorum: this.opening.rules.quorum };
      return record(established ? SESSION_EVENT.quorumEstablished : SESSION_EVENT.quorumFailed, payload);
    }
    if (!this.quorum) return this.adjournment('quorum_failed');
    // 2. The motion: proposed by its King (present) or, for a keeper's motion, recorded by the clerk.
    const motion = this.opening.motion;
    if (!this.proposed) {
      if (motion.proposer === undefined) return record(SESSION_EVENT.proposed, { session_id: id, ...motionPayload(this.opening) });
      if (present.includes(motion.proposer)) return { kind: 'propose', archon: motion.proposer };
      if (!this.died) return record(SESSION_EVENT.died, { session_id: id, reason: 'proposer_absent' });
      return this.adjournment('motion_died');
    }
    // 3. Seconding: present Kings in speaking order, never the proposer.
    if (this.seconder === undefined) {
      const king = seats.find((s) => s.rank === 'King' && s.id !== motion.proposer && present.includes(s.id) && !this.asked.includes(s.id));
      if (king !== undefined && !this.died) return { kind: 'second', archon: king.id };
      if (!this.died) return record(SESSION_EVENT.died, { session_id: id, reason: 'no_second' });
      return this.adjournment('motion_died');
    }
    // 4. Debate, with digests and consensus breaks between speeches.
    const rules = this.opening.rules;
    const total = rules.rounds * present.length;
    const spoken = this.speeches.length;
    if (spoken > 0 && spoken % rules.digestEvery === 0 && this.digests < spoken / rules.digestEvery) {
      const counts = this.stanceCounts();
      const secretary = this.opening.secretaries.find((s) => present.includes(s));
      if (secretary !== undefined) return { kind: 'digest', archon: secretary, afterSpeech: spoken, counts };
      // No secretary sits: the clerk records the count alone.
      return record(SESSION_EVENT.digest, { session_id: id, after_speech: spoken, counts, text: clerkDigest(counts) });
    }
    if (spoken < total) {
      const consensus = this.consensusBreak();
      if (consensus !== undefined) return consensus;
      const round = Math.floor(spoken / present.length) + 1;
      const archon = present[spoken % present.length] as string;
      return { kind: 'speech', archon, round, number: spoken + 1, argues: this.steelmen?.side };
    }
    // 5. The red team argues the minority before the vote.
    if (this.redTeam === undefined) {
      const side = minoritySide(this.stanceCounts());
      const members = chooseRedTeam(seats.filter((s) => present.includes(s.id)), rules.redTeamSize, this.opening.seed);
      return record(SESSION_EVENT.redTeamFormed, { session_id: id, members, argues: side });
    }
    if (this.redTeam.spoken < this.redTeam.members.length) return { kind: 'red_team_speech', archon: this.redTeam.members[this.redTeam.spoken] as string, argues: this.redTeam.side };
    // 6. The vote, in speaking order (asked concurrently, recorded in order).
    const voted = this.votes.length + this.failedVotes;
    if (voted < present.length) return { kind: 'vote', archon: present[voted] as string };
    // 7. Optional validation: both secretaries and the witness read each vote; a unanimous other reading corrects it.
    if (rules.validateVotes) {
      const next = this.nextValidation();
      if (next !== undefined) return next;
    }
    // 8. Tally, result, adjournment.
    if (this.tally === undefined) {
      const tally = tallyVotes(
        this.votes.map((v) => v.choice),
        this.failedVotes,
        rules.supermajority,
      );
      return record(SESSION_EVENT.tally, { session_id: id, ...tallyPayload(tally) });
    }
    if (!this.resulted) return record(SESSION_EVENT.result, { session_id: id, title: motion.title, result: this.tally.passed ? 'passed' : 'failed' });
    return this.adjournment('completed');
  }

  /**
   * Accepts `event` as the next act's, or throws DeliberationError DELIBERATION_SESSION_CORRUPT saying what was
   * expected instead. Nothing changes when it throws.
   */
  apply(stamped: SessionEvent): void {
    const act = this.expected();
    if (act.kind === 'done') corrupt(`the session has adjourned; ${stamped.eventType} cannot follow`);
    requireStep(stamped, this.count + 1);
    const event = withoutStep(stamped);
    const expected = expectedEvent(this, act, event);
    if (expected === undefined || !sameEvent(expected, event)) {
      corrupt(`event ${this.count + 1} of session ${this.sessionId} is ${event.eventType} by ${event.agentId}; the procedure expected ${describe(act)}`);
    }
    this.evolve(act, event);
    this.count += 1;
  }

  private evolve(act: Exclude<Act, { kind: 'done' }>, event: SessionEvent): void {
    const p = event.payload;
    switch (act.kind) {
      case 'roll_call':
        this.answered.set(act.archon, event.eventType === SESSION_EVENT.present);
        return;
      case 'propose':
        this.proposed = true;
        return;
      case 'second':
        this.asked.push(act.archon);
        if (event.eventType === SESSION_EVENT.seconded) this.seconder = act.archon;
        return;
      case 'speech':
      case 'red_team_speech': {
        const stance = event.eventType === SESSION_EVENT.failed ? null : ((p.stance as Stance | null) ?? null);
        if (act.kind === 'red_team_speech') {
          (this.redTeam as { spoken: number }).spoken += 1;
          return;
        }
        this.speeches.push({ archon: act.archon, stance, argues: act.argues });
        if (this.steelmen !== undefined && --this.steelmen.left === 0) this.steelmen = undefined;
        return;
      }
      case 'digest':
        this.digests += 1;
        return;
      case 'vote':
        if (event.eventType === SESSION_EVENT.failed) {
          this.failedVotes += 1;
        } else {
          this.votes.push({ voter: act.archon, choice: (p.choice as Choice | null) ?? null });
          this.rawVotes.set(act.archon, p.raw as string);
        }
        return;
      case 'validate': {
        // A failed validator reads nothing (undefined), which never agrees with anything.
        const reading = event.eventType === SESSION_EVENT.failed ? undefined : ((p.reading as Choice | null) ?? null);
        const entry = this.validations.at(-1);
        if (entry?.voter === act.voter) entry.readings.push(reading);
        else this.validations.push({ voter: act.voter, readings: [reading] });
        return;
      }
      case 'record':
        this.evolveRecord(event);
        return;
    }
  }

  private evolveRecord(event: SessionEvent): void {
    const p = event.payload;
    switch (event.eventType) {
      case SESSION_EVENT.quorumEstablished:
      case SESSION_EVENT.quorumFailed:
        this.quorum = event.eventType === SESSION_EVENT.quorumEstablished;
        return;
      case SESSION_EVENT.proposed:
        this.proposed = true;
        return;
      case SESSION_EVENT.died:
        this.died = true;
        return;
      case SESSION_EVENT.digest:
        this.digests += 1;
        return;
      case SESSION_EVENT.consensusBreak:
        this.windowStart = this.speeches.length;
        this.steelmen = { side: p.argues as Side, left: this.opening.rules.steelmanSpeakers };
        return;
      case SESSION_EVENT.redTeamFormed:
        this.redTeam = { members: p.members as string[], side: p.argues as Side, spoken: 0 };
        return;
      case SESSION_EVENT.corrected:
        // After this the recorded choice is the readers' one, so adjudicate asks for no further correction.
        (this.votes.find((v) => v.voter === p.voter) as CastVote).choice = p.to as Choice;
        return;
      case SESSION_EVENT.tally:
        this.tally = tallyVotes(
          this.votes.map((v) => v.choice),
          this.failedVotes,
          this.opening.rules.supermajority,
        );
        return;
      case SESSION_EVENT.result:
        this.resulted = true;
        return;
      default:
        this.adjourned = true;
    }
  }

  /** A consensus break is due when the window holds ≥ consensusMinSpeeches declared FOR/AGAINST-dominated stances. */
  private consensusBreak(): Act | undefined {
    if (this.steelmen !== undefined) return undefined;
    const rules = this.opening.rules;
    const window = this.speeches.slice(this.windowStart).filter((s) => s.argues === undefined && s.stance !== null);
    if (window.length < rules.consensusMinSpeeches) return undefined;
    const counts = countStances(window);
    const dominant: Side | undefined = reaches(counts.FOR, rules.consensusShare, window.length) ? 'FOR' : reaches(counts.AGAINST, rules.consensusShare, window.length) ? 'AGAINST' : undefined;
    if (dominant === undefined) return undefined;
    const present = this.present;
    const next = this.speeches.length;
    const total = rules.rounds * present.length;
    const speakers: string[] = [];
    for (let i = next; i < Math.min(total, next + rules.steelmanSpeakers); i++) speakers.push(present[i % present.length] as string);
    return record(SESSION_EVENT.consensusBreak, {
      session_id: this.sessionId,
      dominant,
      share: { num: dominant === 'FOR' ? counts.FOR : counts.AGAINST, den: window.length },
      steelman_speakers: speakers,
      argues: dominant === 'FOR' ? 'AGAINST' : 'FOR',
    });
  }

  /** Each vote in turn: the two secretaries' and the witness's readings, then a correction when adjudicate says so. */
  private nextValidation(): Act | undefined {
    const validators = [...this.opening.secretaries, this.opening.witness];
    const last = this.validations.at(-1);
    if (last !== undefined) {
      if (last.readings.length < validators.length) return this.validateAct(last.voter, validators[last.readings.length] as string);
      const vote = this.votes.find((v) => v.voter === last.voter) as CastVote;
      const corrected = adjudicate(vote.choice, last.readings);
      if (corrected !== undefined) return record(SESSION_EVENT.corrected, { session_id: this.sessionId, voter: vote.voter, from: vote.choice, to: corrected });
    }
    const next = this.votes[this.validations.length];
    return next === undefined ? undefined : this.validateAct(next.voter, validators[0] as string);
  }

  private validateAct(voter: string, validator: string): Act {
    return { kind: 'validate', archon: validator, voter, raw: this.rawVotes.get(voter) as string };
  }

  /** Each vote's text as cast, for the validators to read. */
  private readonly rawVotes = new Map<string, string>();

  private adjournment(reason: 'completed' | 'quorum_failed' | 'motion_died'): Act {
    return record(SESSION_EVENT.adjourned, { session_id: this.sessionId, reason });
  }
}

/**
 * Rebuilds a session from its events in log order; throws DELIBERATION_SESSION_CORRUPT at the first event the
 * procedure does not accept.
 */
export function replaySession(events: readonly SessionEvent[]): SessionProcedure {
  const [first, ...rest] = events;
  if (first === undefined) corrupt('a session has at least its opening event');
  const session = SessionProcedure.open(first);
  for (const event of rest) session.apply(event);
  return session;
}

/** The corrected choice when both secretaries and the witness read the same choice and it is not the recorded one. */
export function adjudicate(recorded: Choice | null, readings: ReadonlyArray<Choice | null | undefined>): Choice | undefined {
  const [a, b, w] = readings;
  if (a === undefined || a === null || a !== b || b !== w) return undefined;
  return a === recorded ? undefined : a;
}

function expectedEvent(session: SessionProcedure, act: Exclude<Act, { kind: 'done' }>, event: SessionEvent): SessionEvent | undefined {
  if (act.kind === 'record') return act.event;
  if (act.kind === 'propose') return eventForProposal(session, act);
  const p = event.payload;
  if (event.agentId === CLERK_ID) {
    if (typeof p.code !== 'string' || typeof p.message !== 'string') return undefined;
    return eventForFailure(session, act, { code: p.code, message: p.message });
  }
  const text = act.kind === 'vote' || act.kind === 'validate' ? p.raw : p.text;
  return typeof text === 'string' ? eventForReply(session, act, text) : undefined;
}

/** The same type, signer and payload (as JCS text). A payload JCS cannot encode (attacker-controlled) matches nothing. */
function sameEvent(expected: SessionEvent, event: SessionEvent): boolean {
  if (expected.eventType !== event.eventType || expected.agentId !== event.agentId) return false;
  try {
    return canonicalize(expected.payload) === canonicalize(event.payload);
  } catch {
    return false;
  }
}

function record(eventType: string, payload: Record<string, unknown>): Act {
  return { kind: 'record', event: { eventType, agentId: CLERK_ID, payload } };
}

function tallyPayload(t: Tally): Record<string, unknown> {
  return { aye: t.aye, nay: t.nay, abstain: t.abstain, unparseable: t.unparseable, not_voting: t.notVoting, supermajority: t.supermajority, passed: t.passed };
}

function clerkDigest(c: StanceCounts): string {
  return `No secretary is present. Stances so far: ${c.FOR} for, ${c.AGAINST} against, ${c.NEUTRAL} neutral, ${c.missing} not declared.`;
}

function countStances(speeches: ReadonlyArray<{ stance: Stance | null }>): StanceCounts {
  const counts: StanceCounts = { FOR: 0, AGAINST: 0, NEUTRAL: 0, missing: 0 };
  for (const s of speeches) counts[s.stance ?? 'missing'] += 1;
  return counts;
}

/** The side with fewer declared stances (the red team argues it); AGAINST on a tie, the cautious side. */
function minoritySide(counts: StanceCounts): Side {
  return counts.FOR < counts.AGAINST ? 'FOR' : 'AGAINST';
}

function describe(act: Exclude<Act, { kind: 'done' }>): string {
  if (act.kind === 'record') return `the clerk's ${act.event.eventType}`;
  return `${actName(act as ModelAct)} by ${act.archon}`;
}

function withStep(event: SessionEvent, step: number): SessionEvent {
  return { ...event, payload: { ...event.payload, step } };
}

function withoutStep(event: SessionEvent): SessionEvent {
  const { step: _step, ...payload } = event.payload;
  return { ...event, payload };
}

function requireStep(event: SessionEvent, step: number): void {
  if (event.payload.step !== step) corrupt(`event ${step} of a session must carry step ${step}; ${event.eventType} by ${event.agentId} carries ${JSON.stringify(event.payload.step) ?? 'none'}`);
}

function corrupt(message: string): never {
  throw new DeliberationError({ code: 'DELIBERATION_SESSION_CORRUPT', message });
}
