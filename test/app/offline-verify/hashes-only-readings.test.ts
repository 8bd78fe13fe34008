import { describe, expect, it } from 'vitest';
import { runOfflineVerify } from '../../../src/app/offline-verify/offline-verify.js';
import { parsePinnedCheckpoint } from '../../../src/app/offline-verify/pinned-checkpoint.js';
import { buildChain, ndjson, requestFor, textSource } from './chain-fixture.js';
import { exportLine } from '../../../src/domain/export/export-line.js';
import type { OfflineVerifyReport } from '../../../src/app/offline-verify/offline-verify.js';

// hashes-only verification reads canonical lines in place (CanonicalEventLine) and any other line with
// parseEventLine. These tests hold the two readings to one verdict: an export verifies, or fails at the same line
// with the same fault, whether its lines are canonical or not, and whatever the batch boundaries.

const chain = buildChain(24);
/** The export as GET /v1/observer/export writes it: every line canonical (exportLine). */
const exported = chain.events.map((event) => exportLine(event).slice(0, -1));
// Two pinned checkpoints: one at the end, one inside a batch of 4 or 8 (its root needs the leaves one by one).
const checkpoints = [parsePinnedCheckpoint(chain.checkpoint(24), 'cp24'), parsePinnedCheckpoint(chain.checkpoint(13), 'cp13')];

/** The same event, as valid JSON that is not its canonical line (members in reverse order). */
const nonCanonical = (line: string): string => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).reverse()));

async function verifyHashes(lines: readonly string[], batchSize: number): Promise<OfflineVerifyReport> {
  const request = requestFor(chain, textSource(ndjson(lines), 7), { mode: 'hashes-only', keys: [], checkpoints, cosigners: chain.trustedCosigners });
  return runOfflineVerify(request, { batchSize });
}

/** Each way of writing the export: all canonical, none, every other line, every third. */
const writings: Array<[string, (lines: readonly string[]) => string[]]> = [
  ['canonical lines', (lines) => [...lines]],
  ['non-canonical lines', (lines) => lines.map(nonCanonical)],
  ['every other line non-canonical', (lines) => lines.map((l, i) => (i % 2 === 0 ? nonCanonical(l) : l))],
  ['every third line non-canonical', (lines) => lines.map((l, i) => (i % 3 === 1 ? nonCanonical(l) : l))],
];

/** A byte-level change to line `index` of an export, kept on one line. */
const replaceIn = (index: number, from: RegExp, to: string) => (lines: readonly string[]) => lines.map((l, i) => (i === index ? l.replace(from, to) : l));
const flipDigit = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;

/** What each tampering is: the lines changed, and the fault every reading must report (sequence, check, code). */
const tamperings: Array<[string, (lines: readonly string[]) => string[], [number, string, string]]> = [
  ['a payload character changed', replaceIn(9, /event 9/, 'event X'), [10, 'content_hash', 'CHAIN_CONTENT_HASH_MISMATCH']],
  ['a prev_hash digit changed', replaceIn(12, /"prev_hash":"([0-9a-f]{64})"/, '"prev_hash":"PREV"'), [13, 'prev_hash', 'CHAIN_PREV_HASH_MISMATCH']],
  ['a content_hash digit changed', replaceIn(5, /"content_hash":"([0-9a-f]{64})"/, '"content_hash":"CONTENT"'), [6, 'content_hash', 'CHAIN_CONTENT_HASH_MISMATCH']],
  ['a line dropped', (lines) => lines.filter((_, i) => i !== 15), [16, 'gap', 'CHAIN_SEQUENCE_GAP']],
  ['two lines swapped', (lines) => lines.map((l, i) => (i === 10 ? lines[11] : i === 11 ? lines[10] : l) as string), [11, 'order', 'CHAIN_SEQUENCE_GAP']],
  ['a line repeated', (lines) => [...lines.slice(0, 8), lines[7] as string, ...lines.slice(8)], [9, 'duplicate', 'CHAIN_SEQUENCE_GAP']],
  ['a witness signature that is not base64', replaceIn(3, /"witness_signature":"[^"]*"/, '"witness_signature":"not base64"'), [4, 'witness_signature', 'SIG_MALFORMED']],
  ['the lines after 20 cut off', (lines) => lines.slice(0, 20), [21, 'truncated', 'CHAIN_SEQUENCE_GAP']],
  ['an empty line', (lines) => [...lines.slice(0, 4), '', ...lines.slice(4)], [5, 'format', 'INPUT_FIELD_INVALID']],
];

/** Fills the PREV/CONTENT placeholders with a changed digit of the value they replaced. */
function withDigits(lines: readonly string[], original: readonly string[]): string[] {
  return lines.map((line, i) => {
    if (!line.includes('PREV') && !line.includes('CONTENT')) return line;
    const source = JSON.parse(original[i] as string) as { prev_hash: string; content_hash: string };
    return line.replace('PREV', flipDigit(source.prev_hash)).replace('CONTENT', flipDigit(source.content_hash));
  });
}

describe('hashes-only verification reads each line in place or with parseEventLine, to one verdict', () => {
  it.each(writings)('%s: every event verifies, with the same head and Merkle root, in batches of any size', async (_what, write) => {
    for (const batchSize of [1, 4, 8, 1024]) {
      const report = await verifyHashes(write(exported), batchSize);
      expect(report).toMatchObject({ ok: true, verified: 24, fault: undefined });
      expect(report.head).toMatchObject({ sequence: 24, contentHash: chain.events[23]?.contentHash, authorityTimestamp: chain.events[23]?.authorityTimestamp });
      expect(report.checkpoints.map((c) => [c.treeSize, c.rootVerified])).toEqual([[13, true], [24, true]]);
    }
  });

  it.each(tamperings)('%s: the same fault whichever way the lines are written', async (_what, tamper, [sequence, check, code]) => {
    const faults = [];
    for (const [, write] of writings) {
      for (const batchSize of [4, 1024]) {
        const report = await verifyHashes(withDigits(tamper(write(exported)), exported), batchSize);
        expect(report.ok).toBe(false);
        faults.push({ verified: report.verified, head: report.head, fault: report.fault });
      }
    }
    expect(faults[0]?.fault).toMatchObject({ sequence, check, code });
    for (const other of faults.slice(1)) expect(other).toEqual(faults[0]);
  });
});
