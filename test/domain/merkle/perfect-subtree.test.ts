import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '../../../src/domain/encoding/bytes.js';
import { installSha256, portableSha256, type Sha256Implementation } from '../../../src/domain/encoding/sha256.js';
import { MerkleError } from '../../../src/domain/errors.js';
import { CompactRange, perfectTreeRoot, rootFromLeafHashes } from '../../../src/domain/merkle/compact-range.js';
import { leafHash, leafHashOfFramed, nodeHash } from '../../../src/domain/merkle/tree-hash.js';
import { expectCode } from '../../support/expect-code.js';
import { TreeModel } from './merkle-tree-model.js';

/**
 * Appends `leaves` to a new range as a random sequence of aligned pieces: `choices` picks, at each step, either a
 * single append (choice 0) or appendSubtree of the largest-but-(choice − 1) perfect subtree that is aligned at the
 * current size and fits in what is left, its hash being rootFromLeafHashes of its leaves.
 */
function appendInPieces(leaves: readonly Uint8Array[], choices: readonly number[]): CompactRange {
  const range = CompactRange.empty();
  let step = 0;
  while (range.treeSize < leaves.length) {
    const at = range.treeSize;
    const choice = choices[step++ % Math.max(1, choices.length)] ?? 0;
    if (choice === 0) {
      range.append(leaves[at] as Uint8Array);
      continue;
    }
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= leaves.length) level += 1;
    level = Math.max(0, level - (choice - 1));
    range.appendSubtree(level, rootFromLeafHashes(leaves.slice(at, at + 2 ** level)));
  }
  return range;
}

describe('CompactRange.appendSubtree', () => {
  describe('when aligned perfect subtrees are appended instead of their leaves', () => {
    it('gives the same treeSize, nodes and rootHash as appending the leaves one by one', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 600 }), fc.nat(), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }), (size, seed, choices) => {
          const tree = new TreeModel(size, seed);
          const oneByOne = CompactRange.empty();
          for (const leaf of tree.leaves) oneByOne.append(leaf);
          const pieces = appendInPieces(tree.leaves, choices);
          expect(pieces.treeSize).toBe(size);
          expect(pieces.nodes()).toEqual(oneByOne.nodes());
          expect(pieces.rootHash()).toEqual(tree.root(size));
        }),
        { numRuns: 80 },
      );
    });

    it('gives the root of the whole tree after each subtree, when every piece is as large as it can be', () => {
      const tree = new TreeModel(13, 7);
      const range = CompactRange.empty();
      for (const [level, start] of [
        [3, 0],
        [2, 8],
        [0, 12],
      ] as const) {
        range.appendSubtree(level, tree.hash({ start, end: start + 2 ** level }));
        expect(range.rootHash()).toEqual(tree.root(start + 2 ** level));
      }
      expect(range.nodes().map(({ level, index }) => [level, index])).toEqual([
        [3, 0],
        [2, 2],
        [0, 12],
      ]);
    });
  });

  describe('when the subtree is not a node of the tree (the size is not a multiple of 2^level)', () => {
    it.each([
      [1, 1],
      [2, 2],
      [6, 2],
      [12, 3],
    ])('throws MERKLE_RANGE_INVALID at size %i for level %i, and leaves the range as it was', (size, level) => {
      const tree = new TreeModel(size);
      const range = CompactRange.empty();
      for (const leaf of tree.leaves) range.append(leaf);
      expectCode(() => range.appendSubtree(level, new Uint8Array(32)), MerkleError, 'MERKLE_RANGE_INVALID');
      expect(range.treeSize).toBe(size);
      expect(range.rootHash()).toEqual(tree.root(size));
    });
  });

  describe('when the level or the hash is malformed', () => {
    it.each([
      ['a 31-byte hash', 0, 31],
      ['a 33-byte hash', 0, 33],
      ['an empty hash', 1, 0],
      ['a negative level', -1, 32],
      ['a fractional level', 0.5, 32],
      ['a NaN level', Number.NaN, 32],
    ])('throws MERKLE_RANGE_INVALID for %s', (_name, level, hashLength) => {
      const range = CompactRange.empty();
      expectCode(() => range.appendSubtree(level, new Uint8Array(hashLength)), MerkleError, 'MERKLE_RANGE_INVALID');
      expect(range.treeSize).toBe(0);
    });
  });

  describe('when the tree would pass 2^53 − 1 leaves', () => {
    it('throws MERKLE_RANGE_INVALID', () => {
      const size = 2 ** 52;
      const half = CompactRange.fromSubtrees(size, [new Uint8Array(32)]);
      expectCode(() => half.appendSubtree(52, new Uint8Array(32)), MerkleError, 'MERKLE_RANGE_INVALID');
      expect(half.treeSize).toBe(size);
    });
  });
});

describe('perfectTreeRoot', () => {
  describe('for a power-of-two count of leaf hashes', () => {
    it.each([1, 2, 4, 8, 64, 2048])('equals rootFromLeafHashes and the RFC 6962 root of %i leaves', (count) => {
      const tree = new TreeModel(count, count);
      const buffer = concatBytes(...tree.leaves);
      expect(perfectTreeRoot(buffer)).toEqual(rootFromLeafHashes(tree.leaves));
      expect(perfectTreeRoot(buffer)).toEqual(tree.root(count));
    });

    it('does not modify its input buffer', () => {
      const buffer = concatBytes(...new TreeModel(16, 3).leaves);
      const before = buffer.slice();
      perfectTreeRoot(buffer);
      expect(buffer).toEqual(before);
    });

    it('reads only the view it is given, inside a larger buffer', () => {
      const tree = new TreeModel(6, 5);
      const backing = concatBytes(...tree.leaves);
      expect(perfectTreeRoot(backing.subarray(32, 32 + 4 * 32))).toEqual(tree.hash({ start: 1, end: 5 }));
    });
  });

  describe('when the count is not a power of two or the length not a multiple of 32', () => {
    it.each([
      ['3 hashes', 3 * 32],
      ['5 hashes', 5 * 32],
      ['6 hashes', 6 * 32],
      ['no hashes', 0],
      ['33 bytes', 33],
      ['63 bytes', 63],
      ['2 hashes and 1 byte', 65],
    ])('throws MERKLE_RANGE_INVALID for %s', (_name, length) => {
      expectCode(() => perfectTreeRoot(new Uint8Array(length)), MerkleError, 'MERKLE_RANGE_INVALID');
    });
  });
});

// nodeHash lays its input out in a scratch buffer shared by every call, and leafHashOfFramed hashes its argument in
// place; both are checked under the native SHA-256 the tests install and under the portable one the browser uses.
const bySha256 = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());

describe.each([
  ['the installed SHA-256', undefined],
  ['the portable SHA-256', portableSha256],
])('with %s', (_name, impl: Sha256Implementation | undefined) => {
  let previous: Sha256Implementation | undefined;
  beforeAll(() => {
    if (impl !== undefined) previous = installSha256(impl);
  });
  afterAll(() => {
    if (previous !== undefined) installSha256(previous);
  });

  describe('nodeHash', () => {
    it('returns a new, correct array on each call, which later calls do not change', () => {
      const [a, b, c] = new TreeModel(3, 11).leaves as [Uint8Array, Uint8Array, Uint8Array];
      const first = nodeHash(a, b);
      const second = nodeHash(first, c);
      const third = nodeHash(c, a);
      expect(first).toEqual(bySha256(Uint8Array.of(1), a, b));
      expect(second).toEqual(bySha256(Uint8Array.of(1), first, c));
      expect(third).toEqual(bySha256(Uint8Array.of(1), c, a));
      expect(new Set([first.buffer, second.buffer, third.buffer]).size).toBe(3);
    });

    it('hashes 0x01 || left || right for inputs that are not 32 bytes too', () => {
      const left = Uint8Array.of(1, 2, 3);
      const right = new Uint8Array(40).fill(9);
      expect(nodeHash(left, right)).toEqual(bySha256(Uint8Array.of(1), left, right));
      expect(nodeHash(new Uint8Array(0), new Uint8Array(0))).toEqual(bySha256(Uint8Array.of(1)));
    });
  });

  describe('leafHashOfFramed', () => {
    it('equals leafHash of everything after the first byte, whatever that byte held', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (framed) => {
          const input = framed.slice(1);
          expect(leafHashOfFramed(framed)).toEqual(leafHash(input));
          expect(leafHash(input)).toEqual(bySha256(Uint8Array.of(0), input));
        }),
      );
    });
  });
});
