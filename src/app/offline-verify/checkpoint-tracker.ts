import { CompactRange } from '../../domain/merkle/compact-range.js';
import { hashesEqual, HASH_SIZE } from '../../domain/merkle/tree-hash.js';
import { toBase64 } from '../../domain/encoding/bytes.js';
import { ChainError, MerkleError } from '../../domain/errors.js';
import { checkpointFault, type CheckpointSignatures, type PinnedCheckpoint } from './pinned-checkpoint.js';
import type { VerificationFault } from './verification-fault.js';

/** One pinned checkpoint in the report. */
export interface CheckpointOutcome {
  name: string;
  origin: string;
  treeSize: number;
  /** Base64, as in the checkpoint body. */
  rootHash: string;
  /** Undefined when signatures were not checked (--hashes-only). */
  signatures: CheckpointSignatures | undefined;
  /** True once the root recomputed from the events matched. */
  rootVerified: boolean;
}

/**
 * The Merkle tree of the verified events, built leaf by leaf in sequence order (CompactRange, as the log's
 * checkpointer builds it), checked against the pinned checkpoints as it reaches each one's tree size.
 * Checkpoints whose signatures failed are faults at their tree size, raised when the events reach it, so the fault
 * at the lowest sequence wins whatever kind it is.
 */
export class CheckpointTracker {
  private readonly range = CompactRange.empty();
  private readonly due: Array<{ pinned: PinnedCheckpoint; outcome: CheckpointOutcome; fault: VerificationFault | undefined }>;
  readonly outcomes: CheckpointOutcome[];

  /**
   * `checked` pairs each pinned checkpoint with checkCheckpointSignatures' answer (undefined: not checked). All must
   * name one origin, `origin` when given; a checkpoint of another origin is a fault (`checkpoint_consistency`), as
   * are two checkpoints of one tree size with different roots (the log forked).
   */
  constructor(checked: ReadonlyArray<{ pinned: PinnedCheckpoint; signatures: CheckpointSignatures | VerificationFault | undefined }>, origin?: string) {
    const expectedOrigin = origin ?? checked[0]?.pinned.checkpoint.origin;
    this.due = checked
      .map(({ pinned, signatures }) => {
        const { origin: cpOrigin, treeSize, rootHash } = pinned.checkpoint;
        const signed = signatures !== undefined && 'check' in signatures ? undefined : signatures;
        const outcome: CheckpointOutcome = { name: pinned.name, origin: cpOrigin, treeSize, rootHash: toBase64(rootHash), signatures: signed, rootVerified: false };
        let fault = signatures !== undefined && 'check' in signatures ? signatures : undefined;
        if (cpOrigin !== expectedOrigin) {
          fault = checkpointFault(inconsistent(`its origin is ${cpOrigin}, not ${expectedOrigin}: it is another log's`, treeSize), pinned, 'checkpoint_consistency');
        }
        return { pinned, outcome, fault };
      })
      .sort((a, b) => a.pinned.checkpoint.treeSize - b.pinned.checkpoint.treeSize);
    this.outcomes = this.due.map((d) => d.outcome);
    this.due.forEach((b, i) => {
      const a = this.due[i - 1];
      if (a === undefined || a.pinned.checkpoint.treeSize !== b.pinned.checkpoint.treeSize) return;
      if (hashesEqual(a.pinned.checkpoint.rootHash, b.pinned.checkpoint.rootHash)) return;
      const err = inconsistent(`it has the tree size of ${a.pinned.name} and another root: the log forked`, b.pinned.checkpoint.treeSize);
      b.fault ??= checkpointFault(err, b.pinned, 'checkpoint_consistency');
    });
  }

  /** Leaves covered so far. */
  get treeSize(): number {
    return this.range.treeSize;
  }

  /** Base64 root of the tree over the leaves so far. */
  rootHash(): string {
    return toBase64(this.range.rootHash());
  }

  /**
   * Checks the checkpoints due before any leaf (tree size 0), then appends `leafHashes` (32 bytes per event, in
   * sequence order), checking each checkpoint as its tree size is reached. Returns the first fault, if any.
   * `subtreeRoot`, when given, is the root of those leaves (BatchResult.subtreeRoot): where they form a perfect
   * subtree with no checkpoint inside, it is appended whole.
   */
  append(leafHashes: Uint8Array, subtreeRoot?: Uint8Array): VerificationFault | undefined {
    const early = this.checkDue();
    if (early !== undefined) return early;
    const count = leafHashes.length / HASH_SIZE;
    if (subtreeRoot !== undefined && this.fitsWhole(count)) {
      this.range.appendSubtree(Math.log2(count), subtreeRoot);
      return this.checkDue();
    }
    for (let offset = 0; offset < leafHashes.length; offset += HASH_SIZE) {
      this.range.append(leafHashes.subarray(offset, offset + HASH_SIZE));
      const fault = this.checkDue();
      if (fault !== undefined) return fault;
    }
    return undefined;
  }

  /**
   * True when `count` leaves can be appended as one perfect subtree: a power of two, the tree's size a multiple of
   * it, and no pinned checkpoint's tree size strictly inside the run (its root needs the leaves one by one).
   */
  private fitsWhole(count: number): boolean {
    const size = this.range.treeSize;
    const next = this.due[0]?.pinned.checkpoint.treeSize;
    return count > 0 && (count & (count - 1)) === 0 && size % count === 0 && (next === undefined || next >= size + count);
  }

  /**
   * After the last event: a checkpoint beyond it cannot be checked, and the export is missing events it covers
   * (`truncated`, at the first missing sequence). Returns the first fault, if any.
   */
  finish(): VerificationFault | undefined {
    const early = this.checkDue();
    if (early !== undefined) return early;
    const next = this.due[0];
    if (next === undefined) return undefined;
    const missing = this.range.treeSize + 1;
    const err = new ChainError({
      code: 'CHAIN_SEQUENCE_GAP',
      message: `sequence ${missing} is missing: the events end at sequence ${this.range.treeSize}, and checkpoint ${next.pinned.name} covers ${next.pinned.checkpoint.treeSize}`,
      details: { sequence: missing },
    });
    return { ...checkpointFault(err, next.pinned, 'truncated'), sequence: missing, message: err.message };
  }

  private checkDue(): VerificationFault | undefined {
    for (let next = this.due[0]; next !== undefined && next.pinned.checkpoint.treeSize === this.range.treeSize; next = this.due[0]) {
      this.due.shift();
      if (next.fault !== undefined) return next.fault;
      if (!hashesEqual(this.range.rootHash(), next.pinned.checkpoint.rootHash)) {
        const err = inconsistent(
          `its root ${next.outcome.rootHash} is not the root ${this.rootHash()} of events 1..${this.range.treeSize}`,
          this.range.treeSize,
        );
        return checkpointFault(err, next.pinned, 'checkpoint_root');
      }
      next.outcome.rootVerified = true;
    }
    return undefined;
  }
}

function inconsistent(message: string, treeSize: number): MerkleError {
  return new MerkleError({ code: 'MERKLE_TREE_INCONSISTENT', message, details: { treeSize } });
}
