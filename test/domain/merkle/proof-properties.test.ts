import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MerkleError } from '../../../src/domain/errors.js';
import { consistencyProofRanges, verifyConsistency } from '../../../src/domain/merkle/consistency-proof.js';
import { inclusionProofRanges, verifyInclusion } from '../../../src/domain/merkle/inclusion-proof.js';
import { foldSubtrees, isPowerOfTwo, perfectSubtrees } from '../../../src/domain/merkle/subtree-range.js';
import { expectCode } from '../../support/expect-code.js';
import { flipBit, TreeModel } from './merkle-tree-model.js';

const refuses = (check: () => void) => expectCode(check, MerkleError, 'MERKLE_PROOF_INVALID');
const verifies = (check: () => void): boolean => {
  try {
    check();
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(MerkleError);
    expect((err as MerkleError).code).toBe('MERKLE_PROOF_INVALID');
    return false;
  }
};

/**
 * Which turns the RFC 9162 verifier takes for an inclusion proof: each sibling left (L) or right (R) of the leaf.
 * Computed from the proof's ranges, not by the verifier. X: no such proof.
 */
function inclusionShape(index: number, treeSize: number): string {
  if (index < 0 || index >= treeSize) return 'X';
  return inclusionProofRanges(index, treeSize)
    .map((r) => (r.end <= index ? 'L' : 'R'))
    .join('');
}

/** The same for a consistency proof: the old tree a perfect subtree (P), each hash inside (L) or beyond (R) it. */
function consistencyShape(fromSize: number, toSize: number): string {
  if (fromSize < 1 || fromSize > toSize) return 'X';
  if (fromSize === toSize) return 'E';
  const ranges = consistencyProofRanges(fromSize, toSize).map((r) => (r.end <= fromSize ? 'L' : 'R'));
  return `${isPowerOfTwo(fromSize) ? 'P' : ''}${ranges.join('')}`;
}

const sizeAndIndex = fc.integer({ min: 1, max: 700 }).chain((treeSize) => fc.record({ treeSize: fc.constant(treeSize), index: fc.integer({ min: 0, max: treeSize - 1 }), seed: fc.nat() }));
const twoSizes = fc.integer({ min: 1, max: 700 }).chain((toSize) => fc.record({ toSize: fc.constant(toSize), fromSize: fc.integer({ min: 1, max: toSize }), seed: fc.nat() }));
const bit = fc.integer({ min: 0, max: 255 });
const sizeBit = fc.integer({ min: 0, max: 11 });

// Property runs over many random trees: seconds each, more on a loaded machine.
describe('inclusion proofs, for random tree sizes', { timeout: 60_000 }, () => {
  it('every proof built from inclusionProofRanges verifies, and each range folds from its perfect subtrees', () => {
    fc.assert(
      fc.property(sizeAndIndex, ({ treeSize, index, seed }) => {
        const tree = new TreeModel(treeSize, seed);
        const ranges = inclusionProofRanges(index, treeSize);
        for (const range of ranges) {
          const folded = foldSubtrees(perfectSubtrees(range).map((n) => tree.hash({ start: n.index * 2 ** n.level, end: (n.index + 1) * 2 ** n.level })));
          expect(folded).toEqual(tree.hash(range));
        }
        verifyInclusion(index, treeSize, tree.leaves[index] as Uint8Array, ranges.map((r) => tree.hash(r)), tree.root(treeSize));
      }),
      { numRuns: 300 },
    );
  });

  it('fails after any single-bit change in a proof hash, the root, the leaf hash or the index', () => {
    fc.assert(
      fc.property(sizeAndIndex, bit, sizeBit, fc.nat(), ({ treeSize, index, seed }, b, ib, which) => {
        const tree = new TreeModel(treeSize, seed);
        const proof = inclusionProofRanges(index, treeSize).map((r) => tree.hash(r));
        const leaf = tree.leaves[index] as Uint8Array;
        const root = tree.root(treeSize);
        if (proof.length > 0) {
          const i = which % proof.length;
          refuses(() => verifyInclusion(index, treeSize, leaf, proof.map((h, j) => (j === i ? flipBit(h, b) : h)), root));
        }
        refuses(() => verifyInclusion(index, treeSize, leaf, proof, flipBit(root, b)));
        refuses(() => verifyInclusion(index, treeSize, flipBit(leaf, b), proof, root));
        refuses(() => verifyInclusion(index ^ (1 << ib), treeSize, leaf, proof, root));
      }),
      { numRuns: 300 },
    );
  });

  it('fails after a single-bit change in the tree size unless the verifier takes the very same turns (RFC 9162 roots do not commit to a size)', () => {
    fc.assert(
      fc.property(sizeAndIndex, sizeBit, ({ treeSize, index, seed }, b) => {
        const tree = new TreeModel(treeSize, seed);
        const proof = inclusionProofRanges(index, treeSize).map((r) => tree.hash(r));
        const changed = treeSize ^ (1 << b);
        const accepted = verifies(() => verifyInclusion(index, changed, tree.leaves[index] as Uint8Array, proof, tree.root(treeSize)));
        expect(accepted).toBe(inclusionShape(index, changed) === inclusionShape(index, treeSize));
      }),
      { numRuns: 500 },
    );
  });
});

describe('consistency proofs, for random pairs of tree sizes', { timeout: 60_000 }, () => {
  it('every proof built from consistencyProofRanges verifies', () => {
    fc.assert(
      fc.property(twoSizes, ({ fromSize, toSize, seed }) => {
        const tree = new TreeModel(toSize, seed);
        const proof = consistencyProofRanges(fromSize, toSize).map((r) => tree.hash(r));
        verifyConsistency(fromSize, toSize, proof, tree.root(fromSize), tree.root(toSize));
      }),
      { numRuns: 300 },
    );
  });

  it('fails after any single-bit change in a proof hash or either root', () => {
    fc.assert(
      fc.property(twoSizes, bit, fc.nat(), ({ fromSize, toSize, seed }, b, which) => {
        const tree = new TreeModel(toSize, seed);
        const proof = consistencyProofRanges(fromSize, toSize).map((r) => tree.hash(r));
        const [r1, r2] = [tree.root(fromSize), tree.root(toSize)];
        if (proof.length > 0) {
          const i = which % proof.length;
          refuses(() => verifyConsistency(fromSize, toSize, proof.map((h, j) => (j === i ? flipBit(h, b) : h)), r1, r2));
        }
        refuses(() => verifyConsistency(fromSize, toSize, proof, flipBit(r1, b), r2));
        refuses(() => verifyConsistency(fromSize, toSize, proof, r1, flipBit(r2, b)));
      }),
      { numRuns: 300 },
    );
  });

  it('fails after a single-bit change in either size unless the verifier takes the very same turns', () => {
    fc.assert(
      fc.property(twoSizes, sizeBit, fc.boolean(), ({ fromSize, toSize, seed }, b, changeOld) => {
        const tree = new TreeModel(toSize, seed);
        const proof = consistencyProofRanges(fromSize, toSize).map((r) => tree.hash(r));
        const [m, n] = changeOld ? [fromSize ^ (1 << b), toSize] : [fromSize, toSize ^ (1 << b)];
        const accepted = verifies(() => verifyConsistency(m, n, proof, tree.root(fromSize), tree.root(toSize)));
        expect(accepted).toBe(consistencyShape(m, n) === consistencyShape(fromSize, toSize));
      }),
      { numRuns: 500 },
    );
  });
});
