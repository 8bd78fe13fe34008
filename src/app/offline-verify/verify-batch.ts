import { verifyStoredEvent, type VerificationPolicy } from '../../domain/verify-stored-event.js';
import { eventLeafHash } from '../../domain/merkle/event-leaf.js';
import { parseEventLine } from '../../domain/chain/parse-event-line.js';
import { anchorFault, lineFault, linkOf, verifiedBatch, type Line } from './batch-outcome.js';
import { verifyHashesOnly } from './verify-hashes-only.js';
import type { BatchResult, LineBatch } from './line-batch.js';
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
 * verifyContentHash (`hashes-only`, where verifyHashesOnly first reads canonical lines in place, to the same
 * verdict), then the leaf hash. Each line's verdict depends only on that line, the line
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
