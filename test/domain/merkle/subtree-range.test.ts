import { describe, expect, it } from 'vitest';
import { MerkleError } from '../../../src/domain/errors.js';
import { EMPTY_ROOT, nodeHash } from '../../../src/domain/merkle/tree-hash.js';
import { foldSubtrees, isPowerOfTwo, isTreeCount, perfectSubtrees, splitPoint } from '../../../src/domain/merkle/subtree-range.js';
import { expectCode } from '../../support/expect-code.js';

describe('splitPoint', () => {
  it('is the largest power of two below n', () => {
    expect([2, 3, 4, 5, 8, 9, 2 ** 40 + 1].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 8, 2 ** 40]);
  });
});

describe('isPowerOfTwo and isTreeCount', () => {
  it('work beyond 32 bits', () => {
    expect([1, 2, 2 ** 33, 2 ** 52].every(isPowerOfTwo)).toBe(true);
    expect([3, 6, 2 ** 33 + 1, 2 ** 53 - 1].some(isPowerOfTwo)).toBe(false);
    expect([0, 1, Number.MAX_SAFE_INTEGER].every(isTreeCount)).toBe(true);
    expect([-1, 1.5, 2 ** 53, Number.NaN].some(isTreeCount)).toBe(false);
  });
});

describe('perfectSubtrees', () => {
  it('splits [0, n) into one perfect subtree per set bit of n, largest first', () => {
    expect(perfectSubtrees({ start: 0, end: 13 })).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(perfectSubtrees({ start: 0, end: 2 ** 40 + 1 })).toEqual([
      { level: 40, index: 0 },
      { level: 0, index: 2 ** 40 },
    ]);
  });

  it('splits a right-edge subtree range of a proof', () => {
    expect(perfectSubtrees({ start: 8, end: 15 })).toEqual([
      { level: 2, index: 2 },
      { level: 1, index: 6 },
      { level: 0, index: 14 },
    ]);
  });

  it('has nothing for an empty range', () => {
    expect(perfectSubtrees({ start: 5, end: 5 })).toEqual([]);
  });

  describe('when the range is not one the RFC 6962 recursion produces', () => {
    it.each([
      ['misaligned', { start: 1, end: 3 }],
      ['reversed', { start: 4, end: 2 }],
      ['negative', { start: -2, end: 2 }],
      ['fractional', { start: 0, end: 2.5 }],
    ])('throws MERKLE_RANGE_INVALID (%s)', (_name, range) => {
      expectCode(() => perfectSubtrees(range), MerkleError, 'MERKLE_RANGE_INVALID');
    });
  });
});

describe('foldSubtrees', () => {
  it('folds from the right, and gives the empty tree root for nothing', () => {
    const [a, b, c] = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    expect(foldSubtrees([a, b, c])).toEqual(nodeHash(a, nodeHash(b, c)));
    expect(foldSubtrees([a])).toEqual(a);
    expect(foldSubtrees([])).toEqual(EMPTY_ROOT);
  });
});
