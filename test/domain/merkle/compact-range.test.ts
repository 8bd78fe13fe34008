import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MerkleError } from '../../../src/domain/errors.js';
import { CompactRange, rootFromLeafHashes } from '../../../src/domain/merkle/compact-range.js';
import { EMPTY_ROOT, hashesEqual } from '../../../src/domain/merkle/tree-hash.js';
import { expectCode } from '../../support/expect-code.js';
import { TreeModel } from './merkle-tree-model.js';

const nodeRange = (n: { level: number; index: number }) => ({ start: n.index * 2 ** n.level, end: (n.index + 1) * 2 ** n.level });

describe('CompactRange', () => {
  it('starts empty, with the empty tree root', () => {
    const range = CompactRange.empty();
    expect(range.treeSize).toBe(0);
    expect(range.nodes()).toEqual([]);
    expect(range.rootHash()).toEqual(EMPTY_ROOT);
    expect(rootFromLeafHashes([])).toEqual(EMPTY_ROOT);
  });

  it('appending leaf i returns (0, i) and then each parent completed, bottom-up: exactly the nodes stored', () => {
    const tree = new TreeModel(8);
    const range = CompactRange.empty();
    const written = tree.leaves.map((leaf) => range.append(leaf).map(({ level, index }) => [level, index]));
    expect(written).toEqual([[[0, 0]], [[0, 1], [1, 0]], [[0, 2]], [[0, 3], [1, 1], [2, 0]], [[0, 4]], [[0, 5], [1, 2]], [[0, 6]], [[0, 7], [1, 3], [2, 1], [3, 0]]]);
  });

  it('for any sequence of leaves: the root after each append is the tree root, each node hashes what it covers, and a range rebuilt from its subtrees continues alike', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.integer({ min: 0, max: 299 }), (size, seed, cut) => {
        const tree = new TreeModel(size, seed);
        const range = CompactRange.empty();
        const at = cut % size;
        let resumed: CompactRange | undefined;
        tree.leaves.forEach((leaf, i) => {
          if (i === at) {
            const ids = CompactRange.subtreeIds(i);
            resumed = CompactRange.fromSubtrees(i, ids.map((id) => tree.hash(nodeRange(id))));
          }
          for (const node of range.append(leaf)) if (!hashesEqual(node.hash, tree.hash(nodeRange(node)))) throw new Error(`node ${node.level}/${node.index}`);
          resumed?.append(leaf);
          if (!hashesEqual(range.rootHash(), tree.root(i + 1))) throw new Error(`root after ${i + 1} leaves`);
        });
        expect(resumed?.rootHash()).toEqual(tree.root(size));
        expect(range.nodes().map(nodeRange)).toEqual(CompactRange.subtreeIds(size).map(nodeRange));
        expect(rootFromLeafHashes(tree.leaves)).toEqual(tree.root(size));
      }),
      { numRuns: 60 },
    );
  });

  describe('fromSubtrees', () => {
    it('throws MERKLE_RANGE_INVALID for the wrong number of hashes or a hash of the wrong length', () => {
      expectCode(() => CompactRange.fromSubtrees(3, [new Uint8Array(32)]), MerkleError, 'MERKLE_RANGE_INVALID');
      expectCode(() => CompactRange.fromSubtrees(1, [new Uint8Array(31)]), MerkleError, 'MERKLE_RANGE_INVALID');
    });
  });

  describe('append', () => {
    it('throws MERKLE_RANGE_INVALID for a hash that is not 32 bytes', () => {
      expectCode(() => CompactRange.empty().append(new Uint8Array(33)), MerkleError, 'MERKLE_RANGE_INVALID');
    });

    it('throws MERKLE_RANGE_INVALID beyond 2^53 − 1 leaves', () => {
      const size = Number.MAX_SAFE_INTEGER;
      const full = CompactRange.fromSubtrees(size, CompactRange.subtreeIds(size).map(() => new Uint8Array(32)));
      expect(full.treeSize).toBe(size);
      expectCode(() => full.append(new Uint8Array(32)), MerkleError, 'MERKLE_RANGE_INVALID');
    });
  });
});
