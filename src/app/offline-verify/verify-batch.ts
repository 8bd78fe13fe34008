import { verifyStoredEvent, type VerificationPolicy } from '../../domain/verify-stored-event.js';
import { verifyContentHash, verifyLink } from '../../domain/chain/verify-link.js';
import { AppError } from '../../domain/errors.js';
import { parseEventLine, peekSequence } from '../../domain/chain/parse-event-line.js';
import { checkOf, type VerificationFault } from './verification-fault.js';
import { LOOKAHEAD_LINES, type BatchResult, type LineBatch } from './line-batch.js';
import type { ChainLink, StoredEvent } from '../../domain/chain/event.types.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { Keyring } from '../../domain/signing/keyring.js';

/** `signatures`: every check of verifyStoredEvent; `hashes-only`: continuity and content hashes, no keys needed. */
export type VerifyMode = 'signatures' | 'hashes-only';

/** What verifying a batch needs, already loaded (STYLE §2.1: feed checks data). */
export type BatchChecks =
  | { mode: 'signatures'; keyring: Keyring; verify: Ed25519Verify; policy: VerificationPolicy; leafHash: LeafHasher | undefined }
  | { mode: 'hashes-only'; leafHash: LeafHasher | undefined };

/** The Merkle leaf hash of a stored event (32 bytes); throws an AppError for an event it cannot hash. */
export type LeafHasher = (event: StoredEvent) => Uint8Array;

/**
 * Verifies the lines of `batch` in order, each against the line before it (the batch's anchor for the first), and
 * stops at the first fault. Per line: parseEventLine, then verifyStoredEvent (`signatures`) or verifyLink and
 * verifyContentHash (`hashes-only`), then the leaf hash. Each line's verdict depends only on that line, the line
 * before it and the keys, so it is exactly what one sequential pass over the export would find at that line.
 * Never throws an AppError (it becomes the result's fault); anything else is a bug and propagates.
 */
export function verifyBatch(batch: LineBatch, checks: BatchChecks): BatchResult {
  const lines = splitLines(batch.text);
  let index = 0;
  let prev: ChainLink | undefined;
  if (batch.hasAnchor) {
    index = 1;
    try {
      prev = parseEventLine(lines[0] as Line, batch.firstLine - 1);
    } catch (err) {
      // The batch before reports the same fault at this line; the lowest line wins, so this result never shows.
      return { id: batch.id, count: batch.count, size: batch.size, verified: 0, fault: faultFrom(err, batch.firstLine - 1, 1), last: undefined, leafHashes: undefined };
    }
  }
  const leaves = checks.leafHash === undefined ? undefined : new Uint8Array(batch.count * 32);
  for (let i = 0; i < batch.count; i++) {
    const line = batch.firstLine + i;
    const expected = prev === undefined ? 1 : prev.sequence + 1;
    let event: StoredEvent;
    try {
      event = parseEventLine(lines[index + i] as Line, line);
      verifyEvent(prev, event, checks);
      leaves?.set(checks.leafHash?.(event) as Uint8Array, i * 32);
    } catch (err) {
      const fault = faultFrom(err, line, expected);
      if (fault.code === 'CHAIN_SEQUENCE_GAP') classifySequenceFault(fault, lines, index + i, expected);
      return { id: batch.id, count: batch.count, size: batch.size, verified: i, fault, last: prev, leafHashes: leaves?.subarray(0, i * 32) };
    }
    prev = event;
  }
  return { id: batch.id, count: batch.count, size: batch.size, verified: batch.count, fault: undefined, last: prev, leafHashes: leaves };
}

function verifyEvent(prev: ChainLink | undefined, event: StoredEvent, checks: BatchChecks): void {
  if (checks.mode === 'signatures') {
    verifyStoredEvent(prev, event, checks.keyring, checks.verify, checks.policy);
  } else {
    // The first two steps of verifyStoredEvent (docs/PROTOCOL.md §7.1), which need no keys.
    verifyLink(prev, event);
    verifyContentHash(event);
  }
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
function classifySequenceFault(fault: VerificationFault, lines: Line[], at: number, expected: number): void {
  const found = peekSequence(lines[at] as Line) as number;
  if (found < expected) {
    fault.check = 'duplicate';
    fault.message = `line ${fault.line} repeats sequence ${found}, where sequence ${expected} was due`;
    return;
  }
  const end = Math.min(lines.length, at + 1 + LOOKAHEAD_LINES);
  for (let j = at + 1; j < end; j++) {
    if (peekSequence(lines[j] as Line) !== expected) continue;
    fault.check = 'order';
    fault.message = `sequence ${expected} is out of order: line ${fault.line} holds sequence ${found}, and sequence ${expected} comes later, at line ${fault.line + j - at}`;
    return;
  }
}

/** One line of a batch: decoded text, or its bytes when the batch is not all valid UTF-8. */
type Line = string | Uint8Array;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The lines of a batch's text, without their "\n" terminators. Decoded in one call when the whole batch is valid
 * UTF-8 (decoding line by line was a tenth of a hashes-only run); otherwise as byte views, so parseEventLine
 * reports the invalid UTF-8 at its own line.
 */
function splitLines(text: Uint8Array): Line[] {
  let decoded: string;
  try {
    decoded = strictUtf8.decode(text);
  } catch {
    return splitByteLines(text);
  }
  const lines = decoded.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function splitByteLines(text: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf(0x0a, start);
    const stop = end === -1 ? text.length : end;
    lines.push(text.subarray(start, stop));
    start = stop + 1;
  }
  return lines;
}
