import { DeliberationError } from '../errors.js';
import { checkProposer, parseMotion, motionJson, type Motion } from './motion.js';
import { canonicalize } from '../chain/canonical-json.js';
import { parseSignedStatement, toSignedStatementJson, type SignedKeeperStatement } from '../signing/keeper-statement.js';
import { SESSION_OPEN_TYPE } from './session-authorization.js';
import { RANKS, type Rank } from './archon.js';
import { checkSessionRules, type Fraction, type SessionRules } from './session-rules.js';
import type { Seat, SessionOpening } from './session-events.js';

/** session_opened's payload (protocol member names, docs/PROTOCOL.md §18). */
export function openingPayload(o: SessionOpening): Record<string, unknown> {
  const r = o.rules;
  return {
    session_id: o.sessionId,
    motion: motionJson(o.motion),
    rules: {
      rounds: r.rounds,
      supermajority: r.supermajority,
      quorum: r.quorum,
      digest_every: r.digestEvery,
      consensus_share: r.consensusShare,
      consensus_min_speeches: r.consensusMinSpeeches,
      steelman_speakers: r.steelmanSpeakers,
      red_team_size: r.redTeamSize,
      validate_votes: r.validateVotes,
    },
    seats: o.seats.map((s) => ({ id: s.id, rank: s.rank })),
    secretaries: o.secretaries,
    witness: o.witness,
    seed: o.seed,
    provider: o.provider,
    ...(o.authorization === undefined ? {} : { authorization: toSignedStatementJson(o.authorization) }),
  };
}

/**
 * Reads session_opened's payload back, checking what replay depends on: the motion (a proposer must be a seated
 * King), the rules (every one present, of its type) and their floors, seats with known ranks and unique ids,
 * secretaries and witness among the seats. Throws DeliberationError DELIBERATION_SESSION_CORRUPT naming what is
 * wrong (a motion or rule problem keeps its own message, and its error as the cause).
 */
export function parseOpening(payload: Record<string, unknown>): SessionOpening {
  try {
    const rules = object(payload.rules, 'rules');
    const seats = array(payload.seats, 'seats').map((seat, i): Seat => {
      const s = object(seat, `seats[${i}]`);
      const rank = s.rank as Rank;
      if (!RANKS.includes(rank)) fail(`seats[${i}].rank is not a rank`);
      return { id: string(s.id, `seats[${i}].id`), rank };
    });
    const ids = new Set(seats.map((s) => s.id));
    if (ids.size !== seats.length || seats.length === 0) fail('seats must name each archon once');
    const secretaries = array(payload.secretaries, 'secretaries').map((s, i) => string(s, `secretaries[${i}]`));
    const witness = string(payload.witness, 'witness');
    if (secretaries.length !== 2 || ![...secretaries, witness].every((id) => ids.has(id))) fail('secretaries (two) and witness must be seated archons');
    const motion = parseMotion(payload.motion);
    // A log naming anyone but a seated King as proposer does not replay (the error becomes SESSION_CORRUPT below).
    checkProposer(motion, seats);
    const sessionId = string(payload.session_id, 'session_id');
    const sessionRules = checkSessionRules(parseRules(rules));
    const seed = string(payload.seed, 'seed');
    const authorization = payload.authorization === undefined ? undefined : parseAuthorization(payload.authorization, { sessionId, motion, rules: sessionRules, seed });
    return {
      sessionId,
      motion,
      rules: sessionRules,
      seats,
      secretaries: secretaries as [string, string],
      witness,
      seed,
      provider: string(payload.provider, 'provider'),
      ...(authorization === undefined ? {} : { authorization }),
    };
  } catch (err) {
    if (err instanceof DeliberationError && err.code === 'DELIBERATION_SESSION_CORRUPT') throw err;
    throw new DeliberationError({ code: 'DELIBERATION_SESSION_CORRUPT', message: `session_opened: ${(err as Error).message}`, cause: err });
  }
}

/**
 * A keeper's signed opening recorded in session_opened: a signed statement document whose statement opens this
 * session, on this motion, with these rules and seed where it names them. Its signature is checked against the
 * keeper keys by whoever holds them (the server before writing; an observer with GET /v1/observer/keys), not by
 * replay.
 */
function parseAuthorization(json: unknown, session: Pick<SessionOpening, 'sessionId' | 'motion' | 'rules' | 'seed'>): SignedKeeperStatement {
  const signed = parseSignedStatement(json);
  const { statement } = signed;
  if (statement.type !== SESSION_OPEN_TYPE || statement.session_id !== session.sessionId) fail(`authorization is not a ${SESSION_OPEN_TYPE} statement of session ${session.sessionId}`);
  if (canonicalize(motionJson(parseMotion(statement.motion))) !== canonicalize(motionJson(session.motion))) fail('authorization signs another motion than the session’s');
  const differs =
    (statement.rounds !== undefined && statement.rounds !== session.rules.rounds) ||
    (statement.seed !== undefined && statement.seed !== session.seed) ||
    (statement.validate_votes ?? false) !== session.rules.validateVotes;
  if (differs) fail('authorization signs other rounds, seed or vote validation than the session’s');
  return signed;
}

function parseRules(r: Record<string, unknown>): SessionRules {
  return {
    rounds: number(r.rounds, 'rules.rounds'),
    supermajority: fraction(r.supermajority, 'rules.supermajority'),
    quorum: fraction(r.quorum, 'rules.quorum'),
    digestEvery: number(r.digest_every, 'rules.digest_every'),
    consensusShare: fraction(r.consensus_share, 'rules.consensus_share'),
    consensusMinSpeeches: number(r.consensus_min_speeches, 'rules.consensus_min_speeches'),
    steelmanSpeakers: number(r.steelman_speakers, 'rules.steelman_speakers'),
    redTeamSize: number(r.red_team_size, 'rules.red_team_size'),
    validateVotes: boolean(r.validate_votes, 'rules.validate_votes'),
  };
}

function fraction(value: unknown, name: string): Fraction {
  const f = object(value, name);
  return { num: number(f.num, `${name}.num`), den: number(f.den, `${name}.den`) };
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) fail(`${name} must be an array`);
  return value as unknown[];
}

function string(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(`${name} must be a non-empty string`);
  return value as string;
}

function number(value: unknown, name: string): number {
  if (typeof value !== 'number') fail(`${name} must be a number`);
  return value as number;
}

function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') fail(`${name} must be true or false`);
  return value as boolean;
}

function fail(message: string): never {
  throw new DeliberationError({ code: 'DELIBERATION_SESSION_CORRUPT', message: `session_opened: ${message}` });
}
