import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectWitness } from '../../../src/domain/witness/select-witness.js';
import { expectCode } from '../../support/expect-code.js';
import { errorClassFor, loadVectors } from '../load-vectors.js';

interface SelectionInput {
  pool: string[];
  prevHash: string;
  sequence: number;
}

const vectors = loadVectors<SelectionInput, { digestHex: string; index: number; witnessId: string }>('witness-selection.json');

// test/vectors/witness-selection.json: digest = SHA-256(domain || 0x00 || prev_hash || u64be(sequence)), index = digest[0..8] mod n.
describe('selectWitness (test/vectors/witness-selection.json)', () => {
  describe.each(vectors)('$description', (v) => {
    if (v.expectedError === undefined) {
      it(`selects ${v.expected?.witnessId}`, () => {
        expect(selectWitness(v.input.pool, v.input.prevHash, v.input.sequence)).toBe(v.expected?.witnessId);
        expect(v.input.pool[v.expected?.index ?? -1]).toBe(v.expected?.witnessId);
      });
    } else {
      const code = v.expectedError;
      it(`throws ${code}`, () => {
        expectCode(() => selectWitness(v.input.pool, v.input.prevHash, v.input.sequence), errorClassFor(code), code);
      });
    }
  });
});

describe('selectWitness', () => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
  const pool = fc.uniqueArray(fc.string({ minLength: 1 }).map((s) => `WITNESS:${s}`), { minLength: 1, maxLength: 9 });
  const sequence = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

  describe('when given any non-empty pool', () => {
    it('returns a member of the pool, the same one every time', () => {
      fc.assert(
        fc.property(pool, hash, sequence, (p, h, s) => {
          const chosen = selectWitness(p, h, s);
          expect(p).toContain(chosen);
          expect(selectWitness([...p], h, s)).toBe(chosen);
        }),
      );
    });
  });

  describe('when the pool has one member', () => {
    it('returns it', () => {
      fc.assert(
        fc.property(hash, sequence, (h, s) => {
          expect(selectWitness(['WITNESS:solo'], h, s)).toBe('WITNESS:solo');
        }),
      );
    });
  });

  describe('over many sequences', () => {
    it('spreads the choice over the whole pool', () => {
      const members = ['WITNESS:a', 'WITNESS:b', 'WITNESS:c'];
      const counts = new Map<string, number>();
      for (let s = 1; s <= 300; s++) {
        const chosen = selectWitness(members, 'ab'.repeat(32), s);
        counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
      }
      for (const m of members) expect(counts.get(m) ?? 0).toBeGreaterThan(60);
    });
  });
});
