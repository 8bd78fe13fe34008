import type { ChainLink } from '../../domain/chain/event.types.js';
import type { VerificationFault } from './verification-fault.js';

/**
 * A run of consecutive export lines, verified as a unit (on a worker thread or inline). Self-contained, so batches
 * verify in any order and on any thread: it carries the line before it (the anchor, the `prev` of its first event)
 * and up to LOOKAHEAD_LINES lines after it (read only to tell an out-of-order event from a missing one).
 */
export interface LineBatch {
  /** Position in the export: batch 0 holds the first lines. */
  id: number;
  /** 1-based line number of the first line to verify. */
  firstLine: number;
  /** Lines to verify. */
  count: number;
  /** Bytes of those lines in the source, newlines included (for progress). */
  size: number;
  /** True when `text` starts with the line before firstLine (absent for the first batch). */
  hasAnchor: boolean;
  /** Lines after the batch included at the end of `text` (0 at the end of the export). */
  lookahead: number;
  /** UTF-8: [anchor], the `count` lines, the lookahead lines; every line ends with "\n". Transferred, not copied. */
  text: Uint8Array;
}

/** What verifying one batch found. */
export interface BatchResult {
  id: number;
  count: number;
  /** The batch's size in bytes (LineBatch.size). */
  size: number;
  /** Lines that verified before the fault: `count` when there was none. */
  verified: number;
  /** The first fault in the batch, judged against the anchor exactly as a sequential pass would. */
  fault: VerificationFault | undefined;
  /** The last verified event of the batch. */
  last: ChainLink | undefined;
  /**
   * The Merkle leaf hash of each verified event, 32 bytes each, in order (when the run computes Merkle roots).
   * Transferred, not copied.
   */
  leafHashes: Uint8Array | undefined;
  /**
   * When every line verified and the leaves fill a perfect subtree of the tree (a power-of-two count, starting at a
   * multiple of it): that subtree's root (rootFromLeafHashes of leafHashes).
   */
  subtreeRoot: Uint8Array | undefined;
}

/** Lines a batch carries after its end, to tell an out-of-order sequence from a missing one (see classifySequenceFault). */
export const LOOKAHEAD_LINES = 64;
/** Lines per batch: large enough that messaging costs nothing, small enough to keep every worker busy. */
export const BATCH_LINES = 1024;
