import { DeliberationError } from '../errors.js';

/** A fraction num/den (0 < num ≤ den ≤ MAX_FRACTION_DEN), kept exact so thresholds compare without rounding. */
export interface Fraction {
  num: number;
  den: number;
}

/**
 * The rules a session runs under, recorded in its session_opened event so anyone replaying the log applies the
 * same ones. Thresholds have floors (SESSION_RULE_FLOORS): a session can be stricter, never weaker.
 */
export interface SessionRules {
  /** Debate rounds: every present archon speaks once per round. */
  rounds: number;
  /** A motion passes when AYE ≥ supermajority × (AYE + NAY). */
  supermajority: Fraction;
  /** Quorum: present > quorum × roster size. */
  quorum: Fraction;
  /** A secretary digest after every this many speeches. */
  digestEvery: number;
  /** A consensus break when at least `consensusShare` of at least `consensusMinSpeeches` speeches share a stance. */
  consensusShare: Fraction;
  consensusMinSpeeches: number;
  /** Speakers after a consensus break who must steelman the other side. */
  steelmanSpeakers: number;
  /** Red team size, each from a different rank. */
  redTeamSize: number;
  /** Two secretaries and the witness check each vote (validation events, corrections). */
  validateVotes: boolean;
}

export const DEFAULT_SESSION_RULES: Readonly<SessionRules> = {
  rounds: 3,
  supermajority: { num: 2, den: 3 },
  quorum: { num: 1, den: 2 },
  digestEvery: 10,
  consensusShare: { num: 85, den: 100 },
  consensusMinSpeeches: 10,
  steelmanSpeakers: 3,
  redTeamSize: 5,
  validateVotes: false,
};

/** The weakest values the rules may take: ⅔ supermajority, a strict majority for quorum, at least one round. */
export const SESSION_RULE_FLOORS = {
  rounds: { min: 1, max: 10 },
  supermajority: { num: 2, den: 3 },
  quorum: { num: 1, den: 2 },
} as const;

/**
 * The largest denominator a rule's fraction may have. Fractions are compared by cross-multiplying (atLeast, reaches,
 * exceeds); with terms this small every product (a term times another term, or times a count of archons or speeches)
 * is an exact integer in a double. Larger terms would round, or overflow to Infinity, and a fraction below its floor
 * could then compare as equal to it.
 */
export const MAX_FRACTION_DEN = 1_000_000;

/** a ≥ b for fractions. */
export function atLeast(a: Fraction, b: Fraction): boolean {
  return a.num * b.den >= b.num * a.den;
}

/** count ≥ fraction × total, exactly. */
export function reaches(count: number, fraction: Fraction, total: number): boolean {
  return count * fraction.den >= fraction.num * total;
}

/** count > fraction × total, exactly. */
export function exceeds(count: number, fraction: Fraction, total: number): boolean {
  return count * fraction.den > fraction.num * total;
}

/**
 * Checks rules against their floors and their own bounds; returns them. Throws DeliberationError
 * DELIBERATION_MOTION_INVALID naming the rule (a session asked for with weaker rules is refused, never weakened).
 */
export function checkSessionRules(rules: SessionRules): SessionRules {
  const { rounds } = SESSION_RULE_FLOORS;
  if (!Number.isInteger(rules.rounds) || rules.rounds < rounds.min || rules.rounds > rounds.max) fail('rounds', `must be a whole number from ${rounds.min} to ${rounds.max}`);
  for (const [name, value] of [
    ['supermajority', rules.supermajority],
    ['quorum', rules.quorum],
    ['consensusShare', rules.consensusShare],
  ] as const) {
    const { num, den } = value;
    if (!Number.isInteger(num) || !Number.isInteger(den) || num <= 0 || num > den || den > MAX_FRACTION_DEN) fail(name, `must be a fraction num/den with 0 < num ≤ den ≤ ${MAX_FRACTION_DEN}`);
  }
  if (!atLeast(rules.supermajority, SESSION_RULE_FLOORS.supermajority)) fail('supermajority', 'may not be below its floor of 2/3');
  if (!atLeast(rules.quorum, SESSION_RULE_FLOORS.quorum)) fail('quorum', 'may not be below its floor of 1/2 (present must exceed half the roster)');
  for (const name of ['digestEvery', 'consensusMinSpeeches', 'steelmanSpeakers', 'redTeamSize'] as const) {
    if (!Number.isInteger(rules[name]) || rules[name] < 1 || rules[name] > 72) fail(name, 'must be a whole number from 1 to 72');
  }
  return rules;
}

function fail(rule: string, problem: string): never {
  throw new DeliberationError({ code: 'DELIBERATION_MOTION_INVALID', message: `session rule ${rule} ${problem}`, details: { field: rule } });
}

/** Longest seed a session may be given (UTF-16 code units): it is recorded in session_opened and drives the simulated provider and the red team draw. */
export const MAX_SEED = 256;
