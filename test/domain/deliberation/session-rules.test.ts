import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { atLeast, checkSessionRules, DEFAULT_SESSION_RULES, exceeds, MAX_FRACTION_DEN, reaches, SESSION_RULE_FLOORS, type SessionRules } from '../../../src/domain/deliberation/session-rules.js';
import { DeliberationError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

const rules = (changes: Partial<SessionRules>): SessionRules => ({ ...DEFAULT_SESSION_RULES, ...changes });

function refuses(changes: Partial<SessionRules>): DeliberationError {
  return expectCode(() => checkSessionRules(rules(changes)), DeliberationError, 'DELIBERATION_MOTION_INVALID') as DeliberationError;
}

describe('checkSessionRules', () => {
  describe('given the default rules', () => {
    it('returns them: 3 rounds, 2/3 supermajority, 1/2 quorum, digests every 10, 85% of 10 for consensus, 3 steelmen, 5 on the red team', () => {
      const checked = checkSessionRules({ ...DEFAULT_SESSION_RULES });
      expect(checked).toEqual({
        rounds: 3,
        supermajority: { num: 2, den: 3 },
        quorum: { num: 1, den: 2 },
        digestEvery: 10,
        consensusShare: { num: 85, den: 100 },
        consensusMinSpeeches: 10,
        steelmanSpeakers: 3,
        redTeamSize: 5,
        validateVotes: false,
      });
    });
  });

  describe('given rules at their floors and bounds, or stricter', () => {
    it.each([
      ['one round', { rounds: 1 }],
      ['ten rounds', { rounds: 10 }],
      ['a 2/3 supermajority written 4/6', { supermajority: { num: 4, den: 6 } }],
      ['a 3/4 supermajority', { supermajority: { num: 3, den: 4 } }],
      ['unanimity', { supermajority: { num: 1, den: 1 } }],
      ['a 2/3 quorum', { quorum: { num: 2, den: 3 } }],
      ['a quorum of 50/100', { quorum: { num: 50, den: 100 } }],
      ['a fraction with the largest denominator', { quorum: { num: MAX_FRACTION_DEN / 2, den: MAX_FRACTION_DEN } }],
      ['every count at 1', { digestEvery: 1, consensusMinSpeeches: 1, steelmanSpeakers: 1, redTeamSize: 1 }],
      ['every count at 72', { digestEvery: 72, consensusMinSpeeches: 72, steelmanSpeakers: 72, redTeamSize: 72 }],
      ['validated votes', { validateVotes: true }],
    ])('accepts %s', (_, changes) => {
      expect(checkSessionRules(rules(changes))).toEqual(rules(changes));
    });
  });

  describe('when a rule is weaker than its floor', () => {
    it.each([
      ['a supermajority below 2/3', { supermajority: { num: 66, den: 100 } }, 'supermajority'],
      ['a simple majority', { supermajority: { num: 1, den: 2 } }, 'supermajority'],
      ['a quorum below 1/2', { quorum: { num: 49, den: 100 } }, 'quorum'],
      ['a third for quorum', { quorum: { num: 1, den: 3 } }, 'quorum'],
    ])('refuses %s with DELIBERATION_MOTION_INVALID naming the rule', (_, changes, field) => {
      expect(refuses(changes).details).toEqual({ field });
    });

    it('refuses a fraction whose terms are so large that cross-multiplying them rounds it up to the floor', () => {
      // 6004799503160661 / 2^53 is just below 2/3, but 6004799503160661 × 3 is not exact in a double.
      expect(refuses({ supermajority: { num: 6004799503160661, den: 2 ** 53 } }).details).toEqual({ field: 'supermajority' });
      // Both cross products overflow to Infinity, which would compare as equal.
      expect(refuses({ supermajority: { num: 1e308, den: 1.7e308 } }).details).toEqual({ field: 'supermajority' });
      expect(refuses({ quorum: { num: 1e307, den: 1.7e308 } }).details).toEqual({ field: 'quorum' });
    });
  });

  describe('when the rounds are out of 1..10', () => {
    it.each([0, 11, -1, 2.5, Number.NaN])('refuses %s rounds', (rounds) => {
      expect(refuses({ rounds }).details).toEqual({ field: 'rounds' });
    });
  });

  describe('when a fraction is not num/den with 0 < num ≤ den ≤ 1,000,000', () => {
    it.each(['supermajority', 'quorum', 'consensusShare'] as const)('refuses each bad form of %s', (name) => {
      for (const value of [
        { num: 0, den: 3 },
        { num: -2, den: 3 },
        { num: 2, den: 0 },
        { num: 2, den: -3 },
        { num: 4, den: 3 },
        { num: 2.5, den: 3 },
        { num: 2, den: 3.5 },
        { num: 1, den: MAX_FRACTION_DEN + 1 },
        { num: 1, den: 2 ** 60 },
      ]) {
        expect(refuses({ [name]: value }).details).toEqual({ field: name });
      }
    });
  });

  describe('when a count is out of 1..72', () => {
    it.each(['digestEvery', 'consensusMinSpeeches', 'steelmanSpeakers', 'redTeamSize'] as const)('refuses 0, 73 and a fraction for %s', (name) => {
      for (const value of [0, 73, 1.5]) expect(refuses({ [name]: value }).details).toEqual({ field: name });
    });
  });

  describe('given the floors', () => {
    it('are 1..10 rounds, a 2/3 supermajority and a 1/2 quorum', () => {
      expect(SESSION_RULE_FLOORS).toEqual({ rounds: { min: 1, max: 10 }, supermajority: { num: 2, den: 3 }, quorum: { num: 1, den: 2 } });
    });
  });
});

describe('fraction comparisons', () => {
  describe('atLeast, given two fractions', () => {
    it('compares them exactly', () => {
      expect(atLeast({ num: 2, den: 3 }, { num: 4, den: 6 })).toBe(true);
      expect(atLeast({ num: 67, den: 100 }, { num: 2, den: 3 })).toBe(true);
      expect(atLeast({ num: 66, den: 100 }, { num: 2, den: 3 })).toBe(false);
    });
  });

  describe('reaches and exceeds, given a count, a fraction and a total', () => {
    it('draw the line at count = fraction × total: reaches includes it, exceeds does not', () => {
      expect([reaches(2, { num: 2, den: 3 }, 3), exceeds(2, { num: 2, den: 3 }, 3)]).toEqual([true, false]);
      expect([reaches(36, { num: 1, den: 2 }, 72), exceeds(36, { num: 1, den: 2 }, 72)]).toEqual([true, false]);
      expect([reaches(37, { num: 1, den: 2 }, 72), exceeds(37, { num: 1, den: 2 }, 72)]).toEqual([true, true]);
      expect([reaches(35, { num: 1, den: 2 }, 72), exceeds(35, { num: 1, den: 2 }, 72)]).toEqual([false, false]);
    });

    it('agree with exact rational arithmetic (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.nat(1000), fc.nat(1000), (a, b, count, extra) => {
          const [num, den] = [Math.min(a, b), Math.max(a, b)];
          const total = count + extra;
          const lhs = BigInt(count) * BigInt(den);
          const rhs = BigInt(num) * BigInt(total);
          expect(reaches(count, { num, den }, total)).toBe(lhs >= rhs);
          expect(exceeds(count, { num, den }, total)).toBe(lhs > rhs);
        }),
      );
    });
  });
});
