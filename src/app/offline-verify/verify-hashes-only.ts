import { CanonicalEventLine } from '../../domain/chain/canonical-event-line.js';
import { byteLinkOf, canonicalLineLeafHash, canonicalLineLinks, chainLinkOf, type ByteLink } from '../../domain/chain/canonical-line-hashes.js';
import { parseEventLine } from '../../domain/chain/parse-event-line.js';
import { verifyContentHash, verifyLink } from '../../domain/chain/verify-link.js';
import { eventLeafHash } from '../../domain/merkle/event-leaf.js';
import { anchorFault, lineFault, linkOf, verifiedBatch, type Line } from './batch-outcome.js';
import type { BatchResult, LineBatch } from './line-batch.js';
import type { ChainLink } from '../../domain/chain/event.types.js';

const NEWLINE = 0x0a;

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
export function verifyHashesOnly(batch: LineBatch, leafHashes: boolean): BatchResult {
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

/** The offset of each line of `text` (every line ends with "\n"), then text.length: line k is [starts[k], starts[k+1] - 1). */
function lineStarts(text: Uint8Array): number[] {
  const starts = [0];
  for (let end = text.indexOf(NEWLINE); end !== -1; end = text.indexOf(NEWLINE, end + 1)) starts.push(end + 1);
  if (starts.at(-1) !== text.length) starts.push(text.length + 1);
  return starts;
}

