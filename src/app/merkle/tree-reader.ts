import { MerkleError } from '../../domain/errors.js';
import { foldSubtrees, perfectSubtrees, type LeafRange } from '../../domain/merkle/subtree-range.js';
import type { MerkleStore } from '../ports.js';

/**
 * The Merkle tree hash of each subtree range, from merkle_nodes in ONE read: every range is split into its perfect
 * subtrees (at most log2(length) + 1 each), those are read together, and each range is folded from them. A proof
 * and the root it leads to together read O(log n) nodes, never a scan. Throws MerkleError MERKLE_RANGE_INVALID for
 * a range that is not a subtree range, MERKLE_TREE_INCONSISTENT when a node the ranges need is not stored (the
 * caller asked beyond the stored tree, or merkle_nodes lost a row).
 */
export async function readRangeHashes(merkle: MerkleStore, ranges: readonly LeafRange[]): Promise<Uint8Array[]> {
  const pieces = ranges.map((range) => perfectSubtrees(range));
  const hashes = await merkle.readNodes(pieces.flat());
  let at = 0;
  return pieces.map((ids, i) => {
    const found = hashes.slice(at, at + ids.length);
    at += ids.length;
    if (found.some((h) => h === undefined)) {
      const range = ranges[i] as LeafRange;
      throw new MerkleError({
        code: 'MERKLE_TREE_INCONSISTENT',
        message: `merkle_nodes lacks a node of leaves [${range.start}, ${range.end})`,
        details: { start: range.start, end: range.end },
      });
    }
    return foldSubtrees(found as Uint8Array[]);
  });
}

/** RFC 6962 root hash of the stored tree of `treeSize` leaves (O(log n) nodes read). Throws as readRangeHashes. */
export async function readRootHash(merkle: MerkleStore, treeSize: number): Promise<Uint8Array> {
  const [root] = await readRangeHashes(merkle, [{ start: 0, end: treeSize }]);
  return root as Uint8Array;
}
