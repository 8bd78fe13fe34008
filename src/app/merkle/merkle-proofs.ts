import { MerkleError } from '../../domain/errors.js';
import { consistencyProofRanges, verifyConsistency } from '../../domain/merkle/consistency-proof.js';
import { inclusionProofRanges, verifyInclusion } from '../../domain/merkle/inclusion-proof.js';
import { readRangeHashes } from './tree-reader.js';
import type { CheckpointStore, MerkleStore } from '../ports.js';

/** RFC 9162 §2.1.3: that the event `sequence` (leaf sequence − 1) is in the tree of `treeSize` leaves. */
export interface InclusionProof {
  sequence: number;
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  rootHash: Uint8Array;
  /** Audit path, the leaf's sibling first (RFC 9162 inclusion_path). */
  inclusionPath: Uint8Array[];
}

/** RFC 9162 §2.1.4: that the tree of `toSize` leaves extends the tree of `fromSize` leaves. */
export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  fromRoot: Uint8Array;
  toRoot: Uint8Array;
  /** RFC 9162 consistency_path. */
  consistencyPath: Uint8Array[];
}

/**
 * Consistency proof between two sizes of the stored tree, with both roots, read in one O(log n) query and checked
 * with the RFC 9162 verifier before it is returned (a proof that fails is never handed out: MerkleError
 * MERKLE_PROOF_INVALID). Throws MERKLE_RANGE_INVALID unless 0 ≤ fromSize ≤ toSize, MERKLE_TREE_INCONSISTENT
 * beyond the stored tree.
 */
export async function storedConsistencyProof(merkle: MerkleStore, fromSize: number, toSize: number): Promise<ConsistencyProof> {
  const ranges = consistencyProofRanges(fromSize, toSize);
  const [fromRoot, toRoot, ...consistencyPath] = await readRangeHashes(merkle, [{ start: 0, end: fromSize }, { start: 0, end: toSize }, ...ranges]);
  const proof = { fromSize, toSize, fromRoot: fromRoot as Uint8Array, toRoot: toRoot as Uint8Array, consistencyPath };
  verifyConsistency(fromSize, toSize, consistencyPath, proof.fromRoot, proof.toRoot);
  return proof;
}

/**
 * The proofs the observer API serves (docs/PROTOCOL.md §15.5): only for trees a published checkpoint covers, so a
 * client can anchor every answer to a signed root. O(log n) node reads per proof.
 */
export class MerkleProofs {
  constructor(private readonly deps: { merkle: MerkleStore; checkpoints: CheckpointStore }) {}

  /**
   * Inclusion of event `sequence` in the tree of `treeSize` leaves (default: the latest checkpoint's). Throws
   * MerkleError MERKLE_CHECKPOINT_NOT_FOUND before the first checkpoint, MERKLE_RANGE_INVALID unless
   * 1 ≤ sequence ≤ treeSize ≤ the latest checkpoint's tree size.
   */
  async inclusion(sequence: number, treeSize?: number): Promise<InclusionProof> {
    const published = await this.publishedSize();
    const size = treeSize ?? published;
    this.requireWithin(size, published, 'tree_size');
    if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > size) {
      throw new MerkleError({ code: 'MERKLE_RANGE_INVALID', message: `sequence ${sequence} is not in the tree of size ${size} (1–${size})`, details: { sequence, treeSize: size } });
    }
    const leafIndex = sequence - 1;
    const ranges = inclusionProofRanges(leafIndex, size);
    const [leafHash, rootHash, ...inclusionPath] = await readRangeHashes(this.deps.merkle, [{ start: leafIndex, end: sequence }, { start: 0, end: size }, ...ranges]);
    const proof = { sequence, leafIndex, treeSize: size, leafHash: leafHash as Uint8Array, rootHash: rootHash as Uint8Array, inclusionPath };
    verifyInclusion(leafIndex, size, proof.leafHash, inclusionPath, proof.rootHash);
    return proof;
  }

  /**
   * Consistency of the tree of `fromSize` leaves with the tree of `toSize` (default: the latest checkpoint's).
   * Throws MerkleError MERKLE_CHECKPOINT_NOT_FOUND before the first checkpoint, MERKLE_RANGE_INVALID unless
   * 1 ≤ fromSize ≤ toSize ≤ the latest checkpoint's tree size.
   */
  async consistency(fromSize: number, toSize?: number): Promise<ConsistencyProof> {
    const published = await this.publishedSize();
    const to = toSize ?? published;
    this.requireWithin(to, published, 'to');
    if (!Number.isSafeInteger(fromSize) || fromSize < 1 || fromSize > to) {
      throw new MerkleError({ code: 'MERKLE_RANGE_INVALID', message: `from ${fromSize} must be between 1 and to (${to})`, details: { from: fromSize, to } });
    }
    return storedConsistencyProof(this.deps.merkle, fromSize, to);
  }

  private async publishedSize(): Promise<number> {
    const latest = await this.deps.checkpoints.latest();
    if (latest === undefined) throw new MerkleError({ code: 'MERKLE_CHECKPOINT_NOT_FOUND', message: 'no checkpoint has been published yet' });
    return latest.treeSize;
  }

  private requireWithin(size: number, published: number, field: string): void {
    if (!Number.isSafeInteger(size) || size < 1 || size > published) {
      throw new MerkleError({
        code: 'MERKLE_RANGE_INVALID',
        message: `${field} ${size} is outside the published tree: 1–${published} (the latest checkpoint's tree size)`,
        details: { [field]: size, latestTreeSize: published },
      });
    }
  }
}
