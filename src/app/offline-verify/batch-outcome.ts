import { AppError } from '../../domain/errors.js';
import { peekSequence } from '../../domain/chain/parse-event-line.js';
import { perfectTreeRoot } from '../../domain/merkle/compact-range.js';
import { checkOf, type VerificationFault } from './verification-fault.js';
import { LOOKAHEAD_LINES, type BatchResult, type LineBatch } from './line-batch.js';
import type { ChainLink } from '../../domain/chain/event.types.js';

// How verifyBatch's two modes (verify-batch.ts, verify-hashes-only.ts) end a batch: verified whole, or at its first
// fault, judged as one sequential pass over the export would judge it.

/** One line of a batch: decoded text, or its bytes (always in hashes-only mode; in signatures mode when the batch is not all valid UTF-8). */
export type Line = string | Uint8Array;

/**
 * The result of a batch whose every line verified. When its leaves fill a perfect subtree of the events' tree (a
 * power-of-two count starting at a multiple of it, as every full batch of BATCH_LINES does), the subtree's root goes
 * with them, so the main thread folds one node per batch instead of one per event (CheckpointTracker.append).
 */
export function verifiedBatch(batch: LineBatch, last: ChainLink | undefined, leaves: Uint8Array | undefined): BatchResult {
  const { count } = batch;
  const perfect = leaves !== undefined && count > 0 && (count & (count - 1)) === 0 && (batch.firstLine - 1) % count === 0;
  const subtreeRoot = perfect ? perfectTreeRoot(leaves) : undefined;
  return { id: batch.id, count, size: batch.size, verified: count, fault: undefined, last, leafHashes: leaves, subtreeRoot };
}

/** What the next line is checked against, and what a result reports as its last event: the same, however the line was read. */
export function linkOf(event: ChainLink): ChainLink {
  return { sequence: event.sequence, contentHash: event.contentHash, authorityTimestamp: event.authorityTimestamp };
}

/** The anchor did not parse: the batch before reports the same fault at that line; the lowest line wins, so this result never shows. */
export function anchorFault(batch: LineBatch, err: unknown): BatchResult {
  return { id: batch.id, count: batch.count, size: batch.size, verified: 0, fault: faultFrom(err, batch.firstLine - 1, 1), last: undefined, leafHashes: undefined, subtreeRoot: undefined };
}

/** The result of a batch whose i-th line failed with `err`, after `prev`; lineAt(k) is the batch text's k-th line, of lineCount. */
export function lineFault(
  batch: LineBatch,
  err: unknown,
  i: number,
  prev: ChainLink | undefined,
  leaves: Uint8Array | undefined,
  lineAt: (k: number) => Line,
  lineCount: number,
): BatchResult {
  const expected = prev === undefined ? 1 : prev.sequence + 1;
  const fault = faultFrom(err, batch.firstLine + i, expected);
  const index = batch.hasAnchor ? 1 : 0;
  if (fault.code === 'CHAIN_SEQUENCE_GAP') classifySequenceFault(fault, lineAt, index + i, lineCount, expected);
  return { id: batch.id, count: batch.count, size: batch.size, verified: i, fault, last: prev, leafHashes: leaves?.subarray(0, i * 32), subtreeRoot: undefined };
}

function faultFrom(err: unknown, line: number, expected: number): VerificationFault {
  if (!(err instanceof AppError)) throw err;
  // Chain and signature errors name the sequence where the chain breaks (for a gap, the missing one).
  const sequence = typeof err.details?.sequence === 'number' ? err.details.sequence : expected;
  return { sequence, line, check: checkOf(err), code: err.code, message: err.message };
}

/**
 * Refines a CHAIN_SEQUENCE_GAP at `lines[at]`, where `expected` was due. When it is the first fault of the export,
 * the lines before it hold exactly sequences 1..expected-1, so a smaller sequence is a `duplicate` of one of them.
 * A larger one is `order` when `expected` turns up within the next LOOKAHEAD_LINES lines, else a `gap`.
 */
function classifySequenceFault(fault: VerificationFault, lineAt: (k: number) => Line, at: number, lineCount: number, expected: number): void {
  const found = peekSequence(lineAt(at)) as number;
  if (found < expected) {
    fault.check = 'duplicate';
    fault.message = `line ${fault.line} repeats sequence ${found}, where sequence ${expected} was due`;
    return;
  }
  const end = Math.min(lineCount, at + 1 + LOOKAHEAD_LINES);
  for (let j = at + 1; j < end; j++) {
    if (peekSequence(lineAt(j)) !== expected) continue;
    fault.check = 'order';
    fault.message = `sequence ${expected} is out of order: line ${fault.line} holds sequence ${found}, and sequence ${expected} comes later, at line ${fault.line + j - at}`;
    return;
  }
}

