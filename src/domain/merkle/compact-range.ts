import { MerkleError } from '../errors.js';
import { HASH_SIZE, nodeHash } from './tree-hash.js';
import { foldSubtrees, isPowerOfTwo, isTreeCount, perfectSubtrees, type MerkleNode, type NodeId } from './subtree-range.js';

/**
 * A compact range over leaves [0, treeSize): the hashes of its perfect subtrees, largest first (one per set bit of
 * treeSize). It is all an appender needs to extend the tree and compute its root: O(log n) memory, O(1) amortised
 * hashing per leaf (transparency-dev/merkle's compact.Range, for ranges that start at 0).
 */
export class CompactRange {
  private constructor(
    private size: number,
    private readonly subtrees: MerkleNode[],
  ) {}

  /** The range of the empty tree. */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Which nodes fromSubtrees needs for a tree of `treeSize` leaves (read them from storage). */
  static subtreeIds(treeSize: number): NodeId[] {
    return perfectSubtrees({ start: 0, end: treeSize });
  }

  /**
   * The range of a tree of `treeSize` leaves from the hashes of CompactRange.subtreeIds(treeSize), in that order.
   * Throws MerkleError MERKLE_RANGE_INVALID when the count or a hash length is wrong (storage is outside input).
   */
  static fromSubtrees(treeSize: number, hashes: readonly Uint8Array[]): CompactRange {
    const ids = CompactRange.subtreeIds(treeSize);
    if (hashes.length !== ids.length || hashes.some((h) => h.length !== HASH_SIZE)) {
      throw new MerkleError({
        code: 'MERKLE_RANGE_INVALID',
        message: `a tree of ${treeSize} leaves has ${ids.length} perfect subtrees of 32-byte hashes; got ${hashes.length}`,
        details: { treeSize },
      });
    }
    return new CompactRange(
      treeSize,
      ids.map((id, i) => ({ ...id, hash: hashes[i] as Uint8Array })),
    );
  }

  /** Number of leaves covered. */
  get treeSize(): number {
    return this.size;
  }

  /** The perfect subtrees, largest (leftmost) first. */
  nodes(): readonly MerkleNode[] {
    return this.subtrees;
  }

  /**
   * Appends leaf `treeSize` and returns every node it completes, bottom-up: the leaf (0, i), then, while the new
   * node is a right child (odd index), its parent. These are exactly the rows merkle_nodes gains. Throws
   * MerkleError MERKLE_RANGE_INVALID for a hash that is not 32 bytes or past 2^53 − 1 leaves.
   */
  append(leafHash: Uint8Array): MerkleNode[] {
    if (leafHash.length !== HASH_SIZE || !isTreeCount(this.size + 1)) {
      throw new MerkleError({ code: 'MERKLE_RANGE_INVALID', message: 'a leaf hash is 32 bytes, and a tree has fewer than 2^53 leaves', details: { treeSize: this.size } });
    }
    let node: MerkleNode = { level: 0, index: this.size, hash: leafHash };
    const completed = [node];
    while (node.index % 2 === 1) {
      // A right child: its left sibling is the last perfect subtree, and the two merge into their parent.
      const left = this.subtrees.pop() as MerkleNode;
      node = { level: node.level + 1, index: (node.index - 1) / 2, hash: nodeHash(left.hash, node.hash) };
      completed.push(node);
    }
    this.subtrees.push(node);
    this.size += 1;
    return completed;
  }

  /**
   * Appends a perfect subtree of 2^level leaves, given its root (rootFromLeafHashes of its leaves), as if its leaves
   * were appended one by one: the same compact range, without hashing them again here. The tree size must be a
   * multiple of 2^level, so the subtree is a node of the tree. Throws MerkleError MERKLE_RANGE_INVALID otherwise,
   * or for a hash that is not 32 bytes or a tree past 2^53 − 1 leaves.
   */
  appendSubtree(level: number, hash: Uint8Array): void {
    const leaves = 2 ** level;
    if (!Number.isInteger(level) || level < 0 || hash.length !== HASH_SIZE || this.size % leaves !== 0 || !isTreeCount(this.size + leaves)) {
      throw new MerkleError({
        code: 'MERKLE_RANGE_INVALID',
        message: `a subtree of 2^${level} leaves with a 32-byte root can only be appended to a tree whose size is a multiple of its leaves`,
        details: { treeSize: this.size },
      });
    }
    let node: MerkleNode = { level, index: this.size / leaves, hash };
    while (node.index % 2 === 1) {
      const left = this.subtrees.pop() as MerkleNode;
      node = { level: node.level + 1, index: (node.index - 1) / 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.subtrees.push(node);
    this.size += leaves;
  }

  /** RFC 6962 §2.1 MTH of the leaves covered: the empty tree's root for none. */
  rootHash(): Uint8Array {
    return foldSubtrees(this.subtrees.map((n) => n.hash));
  }
}

/** RFC 6962 §2.1 Merkle tree hash of a list of leaf hashes (the empty tree's root for none). Throws as append. */
export function rootFromLeafHashes(leafHashes: Iterable<Uint8Array>): Uint8Array {
  const range = CompactRange.empty();
  for (const hash of leafHashes) range.append(hash);
  return range.rootHash();
}

/**
 * rootFromLeafHashes for a power-of-two number of leaves, given as one buffer of 32-byte leaf hashes: a perfect tree,
 * whose MTH is the pairwise fold, level by level. It hashes the same nodes rootFromLeafHashes does, in a copy of
 * the buffer, without a node object per hash. Throws MerkleError MERKLE_RANGE_INVALID when the count of hashes is
 * not a power of two.
 */
export function perfectTreeRoot(leafHashes: Uint8Array): Uint8Array {
  const count = leafHashes.length / HASH_SIZE;
  if (!Number.isInteger(count) || count < 1 || !isPowerOfTwo(count)) {
    throw new MerkleError({ code: 'MERKLE_RANGE_INVALID', message: `a perfect tree has a power-of-two count of 32-byte leaf hashes, not ${leafHashes.length} bytes`, details: { treeSize: count } });
  }
  const level = leafHashes.slice();
  for (let width = count; width > 1; width /= 2) {
    for (let i = 0; i < width / 2; i++) {
      const left = level.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE);
      const right = level.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE);
      level.set(nodeHash(left, right), i * HASH_SIZE);
    }
  }
  return level.slice(0, HASH_SIZE);
}
