import { MerkleError } from '../errors.js';
import { hashesEqual, HASH_SIZE, nodeHash } from './tree-hash.js';
import { isTreeCount, splitPoint, type LeafRange } from './subtree-range.js';

/**
 * RFC 6962 §2.1.1 PATH(index, D[0:treeSize]) as leaf ranges, in audit-path order (the leaf's sibling first, the
 * root's child last): the proof is the Merkle tree hash of each range. At most one range (the last on the right
 * edge) is not a perfect subtree. Throws MerkleError MERKLE_RANGE_INVALID unless 0 ≤ index < treeSize.
 */
export function inclusionProofRanges(index: number, treeSize: number): LeafRange[] {
  if (!isTreeCount(index) || !isTreeCount(treeSize) || index >= treeSize) {
    throw new MerkleError({ code: 'MERKLE_RANGE_INVALID', message: `leaf ${index} is not in a tree of size ${treeSize}`, details: { index, treeSize } });
  }
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = treeSize;
  // Top-down: at each split the sibling of the half holding the leaf joins the path.
  while (end - start > 1) {
    const mid = start + splitPoint(end - start);
    if (index < mid) {
      ranges.push({ start: mid, end });
      end = mid;
    } else {
      ranges.push({ start, end: mid });
      start = mid;
    }
  }
  return ranges.reverse();
}

function fail(reason: string, details: Record<string, unknown>): MerkleError {
  return new MerkleError({ code: 'MERKLE_PROOF_INVALID', message: `inclusion proof does not verify: ${reason}`, details });
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–5, without the final root comparison).
 * Throws MerkleError MERKLE_PROOF_INVALID when index ≥ treeSize, a hash is not 32 bytes, or the proof has the
 * wrong length for (index, treeSize). Sizes and hashes are attacker-controlled.
 */
export function rootFromInclusionProof(index: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  const details = { index, treeSize };
  if (!isTreeCount(index) || !isTreeCount(treeSize) || index >= treeSize) throw fail(`leaf ${index} is not in a tree of size ${treeSize}`, details);
  if (leafHash.length !== HASH_SIZE || proof.some((p) => p.length !== HASH_SIZE)) throw fail('every hash must be 32 bytes', details);
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw fail('the proof is too long', details);
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // On the right edge a node may have no right sibling: climb until this node is a right child.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw fail('the proof is too short', details);
  return r;
}

/**
 * RFC 9162 §2.1.3.2: checks that `leafHash` is leaf `index` of the tree of size `treeSize` whose root is
 * `rootHash`. Returns nothing; throws MerkleError MERKLE_PROOF_INVALID when it is not (details name index and
 * size), including for malformed sizes or hashes.
 */
export function verifyInclusion(index: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[], rootHash: Uint8Array): void {
  if (!hashesEqual(rootFromInclusionProof(index, treeSize, leafHash, proof), rootHash)) throw fail('the computed root differs from the root hash', { index, treeSize });
}
