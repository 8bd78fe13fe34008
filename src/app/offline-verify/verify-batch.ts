import { verifyStoredEvent, type VerificationPolicy } from '../../domain/verify-stored-event.js';
import { CanonicalEventLine } from '../../domain/chain/canonical-event-line.js';
import { byteLinkOf, canonicalLineLeafHash, canonicalLineLinks, chainLinkOf, type ByteLink } from '../../domain/chain/canonical-line-hashes.js';
import { eventLeafHash } from '../../domain/merkle/event-leaf.js';
import { perfectTreeRoot } from '../../domain/merkle/compact-range.js';
import { verifyContentHash, verifyLink } from '../../domain/chain/verify-link.js';
import { AppError } from '../../domain/errors.js';
import { parseEventLine, peekSequence } from '../../domain/chain/parse-event-line.js';
import { checkOf, type VerificationFault } from './verification-fault.js';
import { LOOKAHEAD_LINES, type BatchResult, type LineBatch } from './line-batch.js';
import type { ChainLink } from '../../domain/chain/event.types.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { Keyring } from '../../domain/signing/keyring.js';

/** `signatures`: every check of verifyStoredEvent; `hashes-only`: continuity and content hashes, no keys needed. */
export type VerifyMode = 'signatures' | 'hashes-only';

/**
 * What verifying a batch needs, already loaded (STYLE §2.1: feed checks data). `leafHashes`: also compute each
 * event's Merkle leaf hash (eventLeafHash), for the run's checkpoints.
 */
export type BatchChecks =
  | { mode: 'signatures'; keyring: Keyring; verify: Ed25519Verify; policy: VerificationPolicy; leafHashes: boolean }
  | { mode: 'hashes-only'; leafHashes: boolean };

/**
 * Verifies the lines of `batch` in order, each against the line before it (the batch's anchor for the first), and
 * stops at the first fault. Per line: parseEventLine, then verifyStoredEvent (`signatures`) or verifyLink and
 * verifyContentHash (`hashes-only`), then the leaf hash. Each line's verdict depends only on that line, the line
 * before it and the keys, so it is exactly what one sequential pass over the export would find at that line.
 * Never throws an AppError (it becomes the result's fault); anything else is a bug and propagates.
 */
export function verifyBatch(batch: LineBatch, checks: BatchChecks): BatchResult {
  return checks.mode === 'hashes-only' ? verifyHashesOnly(batch, checks.leafHashes) : verifySignatures(batch, checks);
}

function verifySignatures(batch: LineBatch, checks: BatchChecks & { mode: 'signatures' }): BatchResult {
  const lines = splitLines(batch.text);
  const lineAt = (k: number): Line => lines[k] as Line;
  let index = 0;
  let prev: ChainLink | undefined;
  if (batch.hasAnchor) {
    index = 1;
    try {
      prev = linkOf(parseEventLine(lineAt(0), batch.firstLine - 1));
    } catch (err) {
      return anchorFault(batch, err);
    }
  }
  const leaves = checks.leafHashes ? new Uint8Array(batch.count * 32) : undefined;
  for (let i = 0; i < batch.count; i++) {
    try {
      const event = parseEventLine(lineAt(index + i), batch.firstLine + i);
      verifyStoredEvent(prev, event, checks.keyring, checks.verify, checks.policy);
      leaves?.set(eventLeafHash(event), i * 32);
      prev = linkOf(event);
    } catch (err) {
      return lineFault(batch, err, i, prev, leaves, lineAt, lines.length);
    }
  }
  return verifiedBatch(batch, prev, leaves);
}

/** Two readers, alternating: one holds the line just verified (the next line's `prev`) while the other reads. */
let reading = new CanonicalEventLine();
let holding = new CanonicalEventLine();

/** Makes the line just read the one held, and frees the other for the next line. */
function hold(): CanonicalEventLine {
  const line = reading;
  reading = holding;
  holding = line;
  return line;
}

/**
 * hashes-only: each line is first read in place as a canonical export line and checked over its bytes
 * (canonicalLineLinks, canonicalLineLeafHash: no JSON.parse, no JCS, no per-line strings). A line that is not
 * canonical, or that fails there, is verified again by parseEventLine, verifyLink, verifyContentHash and
 * eventLeafHash, which accept what they accept and name any fault exactly as before: the fast reading only ever
 * accepts lines they accept (docs/PROTOCOL.md §17.4).
 */
function verifyHashesOnly(batch: LineBatch, leafHashes: boolean): BatchResult {
  const { text } = batch;
  const leaves = leafHashes ? new Uint8Array(batch.count * 32) : undefined;
  // The line before: `link` for the fast reading; `chain` when it was read by parseEventLine (else chainLinkOf).
  let link: ByteLink | undefined;
  let chain: ChainLink | undefined;
  const prevChain = (): ChainLink | undefined => chain ?? (link instanceof CanonicalEventLine ? chainLinkOf(link) : undefined);
  // Where the next line starts. The fast reading finds each line's end itself; only the slow path searches for it.
  let at = 0;
  const slowLine = (): Uint8Array => {
    const newline = text.indexOf(NEWLINE, at);
    const line = text.subarray(at, newline === -1 ? text.length : newline);
    at += line.length + 1;
    return line;
  };
  if (batch.hasAnchor) {
    if (reading.read(text, at, text.length)) {
      const anchor = hold();
      link = anchor;
      at = anchor.end + 1;
    } else {
      try {
        chain = linkOf(parseEventLine(slowLine(), batch.firstLine - 1));
        link = byteLinkOf(chain);
      } catch (err) {
        return anchorFault(batch, err);
      }
    }
  }
  for (let i = 0; i < batch.count; i++) {
    const line = reading;
    if (line.read(text, at, text.length) && canonicalLineLinks(link, line)) {
      const leaf = leaves === undefined ? undefined : canonicalLineLeafHash(line);
      if (leaves === undefined || leaf !== undefined) {
        leaves?.set(leaf as Uint8Array, i * 32);
        link = hold();
        chain = undefined;
        at = line.end + 1;
        continue;
      }
    }
    const prev = prevChain();
    try {
      const event = parseEventLine(slowLine(), batch.firstLine + i);
      // The first two steps of verifyStoredEvent (docs/PROTOCOL.md §7.1), which need no keys.
      verifyLink(prev, event);
      verifyContentHash(event);
      leaves?.set(eventLeafHash(event), i * 32);
      chain = linkOf(event);
      link = byteLinkOf(chain);
    } catch (err) {
      const starts = lineStarts(text);
      const lineAt = (k: number): Line => text.subarray(starts[k] as number, (starts[k + 1] as number) - 1);
      return lineFault(batch, err, i, prev, leaves, lineAt, starts.length - 1);
    }
  }
  return verifiedBatch(batch, prevChain(), leaves);
}

/**
 * The result of a batch whose every line verified. When its leaves fill a perfect subtree of the events' tree (a
 * power-of-two count starting at a multiple of it, as every full batch of BATCH_LINES does), the subtree's root goes
 * with them, so the main thread folds one node per batch instead of one per event (CheckpointTracker.append).
 */
function verifiedBatch(batch: LineBatch, last: ChainLink | undefined, leaves: Uint8Array | undefined): BatchResult {
  const { count } = batch;
  const perfect = leaves !== undefined && count > 0 && (count & (count - 1)) === 0 && (batch.firstLine - 1) % count === 0;
  const subtreeRoot = perfect ? perfectTreeRoot(leaves) : undefined;
  return { id: batch.id, count, size: batch.size, verified: count, fault: undefined, last, leafHashes: leaves, subtreeRoot };
}

/** The offset of each line of `text` (every line ends with "\n"), then text.length: line k is [starts[k], starts[k+1] - 1). */
function lineStarts(text: Uint8Array): number[] {
  const starts = [0];
  for (let end = text.indexOf(NEWLINE); end !== -1; end = text.indexOf(NEWLINE, end + 1)) starts.push(end + 1);
  if (starts.at(-1) !== text.length) starts.push(text.length + 1);
  return starts;
}

/** What the next line is checked against, and what a result reports as its last event: the same, however the line was read. */
function linkOf(event: ChainLink): ChainLink {
  return { sequence: event.sequence, contentHash: event.contentHash, authorityTimestamp: event.authorityTimestamp };
}

/** The anchor did not parse: the batch before reports the same fault at that line; the lowest line wins, so this result never shows. */
function anchorFault(batch: LineBatch, err: unknown): BatchResult {
  return { id: batch.id, count: batch.count, size: batch.size, verified: 0, fault: faultFrom(err, batch.firstLine - 1, 1), last: undefined, leafHashes: undefined, subtreeRoot: undefined };
}

/** The result of a batch whose i-th line failed with `err`, after `prev`; lineAt(k) is the batch text's k-th line, of lineCount. */
function lineFault(
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

const NEWLINE = 0x0a;

function splitByteLines(text: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf(NEWLINE, start);
    const stop = end === -1 ? text.length : end;
    lines.push(text.subarray(start, stop));
    start = stop + 1;
  }
  return lines;
}
