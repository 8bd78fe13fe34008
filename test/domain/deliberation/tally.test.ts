import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tallyVotes } from '../../../src/domain/deliberation/tally.js';
import { CHOICES, type Choice } from '../../../src/domain/deliberation/parse-reply.js';
import type { Fraction } from '../../../src/domain/deliberation/session-rules.js';

const TWO_THIRDS: Fraction = { num: 2, den: 3 };
const votes = (aye: number, nay: number, abstain = 0, unparseable = 0): Array<Choice | null> => [
  ...Array<Choice>(aye).fill('AYE'),
  ...Array<Choice>(nay).fill('NAY'),
  ...Array<Choice>(abstain).fill('ABSTAIN'),
  ...Array<null>(unparseable).fill(null),
];

describe('tallyVotes', () => {
  describe('given AYE exactly 2/3 of AYE + NAY', () => {
    it('passes', () => {
      expect(tallyVotes(votes(48, 24), 0, TWO_THIRDS).passed).toBe(true);
      expect(tallyVotes(votes(2, 1), 0, TWO_THIRDS).passed).toBe(true);
    });
  });

  describe('given AYE one short of 2/3', () => {
    it('fails', () => {
      expect(tallyVotes(votes(47, 25), 0, TWO_THIRDS).passed).toBe(false);
      expect(tallyVotes(votes(1, 1), 0, TWO_THIRDS).passed).toBe(false);
    });
  });

  describe('given abstentions, unparseable votes and archons not voting', () => {
    it('counts each apart and leaves them out of the base', () => {
      expect(tallyVotes(votes(2, 1, 30, 20), 15, TWO_THIRDS)).toEqual({ aye: 2, nay: 1, abstain: 30, unparseable: 20, notVoting: 15, supermajority: TWO_THIRDS, passed: true });
    });
  });

  describe('given no AYE and no NAY', () => {
    it('fails, however many abstain', () => {
      expect(tallyVotes(votes(0, 0, 72), 0, TWO_THIRDS).passed).toBe(false);
      expect(tallyVotes([], 5, TWO_THIRDS)).toEqual({ aye: 0, nay: 0, abstain: 0, unparseable: 0, notVoting: 5, supermajority: TWO_THIRDS, passed: false });
    });
  });

  describe('given a stricter supermajority', () => {
    it('applies it: 3/4 needs AYE ≥ 3 × NAY', () => {
      const threeQuarters = { num: 3, den: 4 };
      expect(tallyVotes(votes(3, 1), 0, threeQuarters).passed).toBe(true);
      expect(tallyVotes(votes(5, 2), 0, threeQuarters).passed).toBe(false);
      expect(tallyVotes(votes(1, 0), 0, { num: 1, den: 1 }).passed).toBe(true);
      expect(tallyVotes(votes(71, 1), 0, { num: 1, den: 1 }).passed).toBe(false);
    });
  });

  describe('for any votes and supermajority', () => {
    it('agrees with the reference rule: AYE + NAY > 0 and AYE / (AYE + NAY) ≥ num / den, in exact arithmetic (property)', () => {
      const fraction = fc.integer({ min: 1, max: 1000 }).chain((den) => fc.record({ num: fc.integer({ min: 1, max: den }), den: fc.constant(den) }));
      const vote = fc.oneof(fc.constantFrom(...CHOICES), fc.constant(null));
      fc.assert(
        fc.property(fc.array(vote, { maxLength: 200 }), fc.nat(72), fraction, (cast, notVoting, supermajority) => {
          const count = (choice: Choice | null) => cast.filter((v) => v === choice).length;
          const [aye, nay] = [count('AYE'), count('NAY')];
          const reference = aye + nay > 0 && BigInt(aye) * BigInt(supermajority.den) >= BigInt(supermajority.num) * BigInt(aye + nay);
          expect(tallyVotes(cast, notVoting, supermajority)).toEqual({ aye, nay, abstain: count('ABSTAIN'), unparseable: count(null), notVoting, supermajority, passed: reference });
        }),
      );
    });

    it('does not depend on the order of the votes (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(fc.constantFrom(...CHOICES), fc.constant(null)), { maxLength: 80 }), (cast) => {
          expect(tallyVotes([...cast].reverse(), 0, TWO_THIRDS)).toEqual(tallyVotes(cast, 0, TWO_THIRDS));
        }),
      );
    });
  });
});
