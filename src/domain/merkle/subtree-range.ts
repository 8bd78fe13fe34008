import { MerkleError } from '../errors.js';
import { EMPTY_ROOT, nodeHash } from './tree-hash.js';

/** Leaves [start, end) of the tree, counted from 0 (leaf i is the event with sequence i + 1). */
export interface LeafRange {
  start: number;
  end: number;
}

/** A perfect subtree: the 2^level leaves from index · 2^level. Level 0 is a single leaf. */
export interface NodeId {
  level: number;
  index: number;
}

/** A perfect subtree and its hash, as merkle_nodes stores it. */
export interface MerkleNode extends NodeId {
  hash: Uint8Array;
}

// Tree sizes may exceed 2^31, so this file uses arithmetic, never JavaScript's 32-bit bitwise operators.

/** The largest power of two strictly below n (n ≥ 2): RFC 6962 §2.1's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The smallest power of two ≥ n (n ≥ 1). */
function ceilPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The largest power of two ≤ n (n ≥ 1), and its exponent. */
function floorPowerOfTwo(n: number): { size: number; level: number } {
  let size = 1;
  let level = 0;
  while (size * 2 <= n) {
    size *= 2;
    level += 1;
  }
  return { size, level };
}

/** True when n (≥ 1) is a power of two. */
export function isPowerOfTwo(n: number): boolean {
  return floorPowerOfTwo(n).size === n;
}

/** True when `n` is a whole number 0 ≤ n ≤ 2^53 − 1. */
export function isTreeCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * The perfect subtrees that make up a subtree range, left to right, largest first. A subtree range is one the
 * RFC 6962 §2.1 recursion produces: its start is a multiple of the smallest power of two ≥ its length (every
 * range of inclusionProofRanges and consistencyProofRanges, and every [0, n)). Its hash is then
 * foldSubtrees(hashes of these), so it is read from merkle_nodes in at most log2(length) + 1 nodes.
 * An empty range has none. Throws MerkleError MERKLE_RANGE_INVALID for any other range.
 */
export function perfectSubtrees(range: LeafRange): NodeId[] {
  const { start, end } = range;
  if (!isTreeCount(start) || !isTreeCount(end) || end < start || (end > start && start % ceilPowerOfTwo(end - start) !== 0)) {
    throw new MerkleError({ code: 'MERKLE_RANGE_INVALID', message: `[${start}, ${end}) is not a subtree range of the tree`, details: { start, end } });
  }
  const nodes: NodeId[] = [];
  let at = start;
  while (at < end) {
    // `at` stays a multiple of each later (smaller) piece, so every piece is an aligned perfect subtree.
    const piece = floorPowerOfTwo(end - at);
    nodes.push({ level: piece.level, index: at / piece.size });
    at += piece.size;
  }
  return nodes;
}

/**
 * The Merkle tree hash of a subtree range from the hashes of its perfect subtrees (perfectSubtrees order):
 * MTH splits at the largest power of two, which is the first piece, so the hash folds from the right:
 * nodeHash(h1, nodeHash(h2, … nodeHash(h(k−1), hk))). No pieces: the empty tree's root.
 */
export function foldSubtrees(hashes: readonly Uint8Array[]): Uint8Array {
  let root = hashes.at(-1);
  if (root === undefined) return EMPTY_ROOT;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i] as Uint8Array, root);
  return root;
}
