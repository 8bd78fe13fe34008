import { describe, expect, it } from 'vitest';
import { MerkleError } from '../../../src/domain/errors.js';
import { consistencyProofRanges, verifyConsistency } from '../../../src/domain/merkle/consistency-proof.js';
import { inclusionProofRanges, rootFromInclusionProof, verifyInclusion } from '../../../src/domain/merkle/inclusion-proof.js';
import { EMPTY_ROOT } from '../../../src/domain/merkle/tree-hash.js';
import { expectCode } from '../../support/expect-code.js';
import { TreeModel } from './merkle-tree-model.js';

const tree = new TreeModel(8);
const h = (start: number, end: number) => tree.hash({ start, end });
const invalid = (fn: () => unknown) => expectCode(fn, MerkleError, 'MERKLE_PROOF_INVALID');

describe('inclusionProofRanges', () => {
  it('lists the siblings bottom-up, the right edge folded into one range', () => {
    expect(inclusionProofRanges(0, 7)).toEqual([
      { start: 1, end: 2 },
      { start: 2, end: 4 },
      { start: 4, end: 7 },
    ]);
    expect(inclusionProofRanges(0, 1)).toEqual([]);
  });

  it('works for tree sizes beyond 32 bits', () => {
    const ranges = inclusionProofRanges(2 ** 40, 2 ** 40 + 3);
    expect(ranges).toEqual([
      { start: 2 ** 40 + 1, end: 2 ** 40 + 2 },
      { start: 2 ** 40 + 2, end: 2 ** 40 + 3 },
      { start: 0, end: 2 ** 40 },
    ]);
  });

  it.each([
    [3, 3],
    [-1, 3],
    [0, 0],
    [1.5, 3],
    [0, 2 ** 53],
  ])('throws MERKLE_RANGE_INVALID for leaf %s of %s', (index, size) => {
    expectCode(() => inclusionProofRanges(index, size), MerkleError, 'MERKLE_RANGE_INVALID');
  });
});

describe('verifyInclusion and rootFromInclusionProof', () => {
  const proof = [h(1, 2), h(2, 4), h(4, 8)];
  const leaf = tree.leaves[0] as Uint8Array;

  it('accept a proof and give the root it leads to', () => {
    expect(rootFromInclusionProof(0, 8, leaf, proof)).toEqual(tree.root(8));
    verifyInclusion(0, 8, leaf, proof, tree.root(8));
  });

  describe('when the claim or the proof is malformed', () => {
    it('throws MERKLE_PROOF_INVALID for an index outside the tree or non-integer sizes', () => {
      invalid(() => verifyInclusion(8, 8, leaf, proof, tree.root(8)));
      invalid(() => verifyInclusion(0, 0, leaf, [], EMPTY_ROOT));
      invalid(() => verifyInclusion(-1, 8, leaf, proof, tree.root(8)));
      invalid(() => verifyInclusion(0, 8.5, leaf, proof, tree.root(8)));
    });

    it('throws MERKLE_PROOF_INVALID for hashes that are not 32 bytes', () => {
      invalid(() => verifyInclusion(0, 8, leaf.subarray(1), proof, tree.root(8)));
      invalid(() => verifyInclusion(0, 8, leaf, [...proof.slice(0, 2), new Uint8Array(33)], tree.root(8)));
      invalid(() => verifyInclusion(0, 8, leaf, proof, new Uint8Array(0)));
    });

    it('throws MERKLE_PROOF_INVALID for a proof too long or too short', () => {
      invalid(() => rootFromInclusionProof(0, 8, leaf, [...proof, h(0, 8)]));
      invalid(() => rootFromInclusionProof(0, 8, leaf, proof.slice(0, 2)));
      invalid(() => rootFromInclusionProof(0, 1, leaf, [leaf]));
    });
  });
});

describe('consistencyProofRanges', () => {
  it('is empty from size 0 and between equal sizes', () => {
    expect(consistencyProofRanges(0, 5)).toEqual([]);
    expect(consistencyProofRanges(5, 5)).toEqual([]);
    expect(consistencyProofRanges(0, 0)).toEqual([]);
  });

  it.each([
    [4, 3],
    [-1, 3],
    [1, 2.5],
    [1, 2 ** 53],
  ])('throws MERKLE_RANGE_INVALID from %s to %s', (from, to) => {
    expectCode(() => consistencyProofRanges(from, to), MerkleError, 'MERKLE_RANGE_INVALID');
  });
});

describe('verifyConsistency', () => {
  const r = (n: number) => tree.root(n);
  const proof = (m: number, n: number) => consistencyProofRanges(m, n).map((range) => tree.hash(range));

  it('accepts equal sizes with equal roots, and size 0 with the empty tree root, both with an empty proof', () => {
    verifyConsistency(5, 5, [], r(5), r(5));
    verifyConsistency(0, 5, [], EMPTY_ROOT, r(5));
    verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT);
  });

  describe('when the claim or the proof is malformed', () => {
    it('throws MERKLE_PROOF_INVALID for sizes out of order or not whole', () => {
      invalid(() => verifyConsistency(6, 5, [], r(6), r(5)));
      invalid(() => verifyConsistency(-1, 5, [], r(1), r(5)));
      invalid(() => verifyConsistency(1, 5.5, proof(1, 5), r(1), r(5)));
    });

    it('throws MERKLE_PROOF_INVALID for hashes that are not 32 bytes', () => {
      invalid(() => verifyConsistency(3, 5, proof(3, 5), r(3).subarray(1), r(5)));
      invalid(() => verifyConsistency(3, 5, [...proof(3, 5), new Uint8Array(1)], r(3), r(5)));
    });

    it('throws MERKLE_PROOF_INVALID for a proof where none belongs, or roots that must match and do not', () => {
      invalid(() => verifyConsistency(5, 5, [r(5)], r(5), r(5)));
      invalid(() => verifyConsistency(5, 5, [], r(5), r(6)));
      invalid(() => verifyConsistency(0, 5, [r(5)], EMPTY_ROOT, r(5)));
      invalid(() => verifyConsistency(0, 5, [], r(1), r(5)));
    });

    it('throws MERKLE_PROOF_INVALID for an empty, too long or too short proof', () => {
      invalid(() => verifyConsistency(3, 5, [], r(3), r(5)));
      invalid(() => verifyConsistency(3, 5, [...proof(3, 5), r(8)], r(3), r(5)));
      invalid(() => verifyConsistency(3, 8, proof(3, 8).slice(0, -1), r(3), r(8)));
    });
  });
});
