import { describe, expect, it } from 'vitest';
import { runOfflineVerify } from '../../../src/app/offline-verify/offline-verify.js';
import { verifyExport } from '../../../src/app/offline-verify/verify-export.js';
import { createInlineRunner, type BatchRunner } from '../../../src/app/offline-verify/batch-runner.js';
import { createBatchChecks } from '../../../src/app/offline-verify/batch-checks.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { buildChain, ndjson, requestFor, textSource } from './chain-fixture.js';
import type { BatchResult, LineBatch } from '../../../src/app/offline-verify/line-batch.js';

const chain = buildChain(40);
const verify = (lines: readonly string[], overrides: Parameters<typeof requestFor>[2] = {}) => runOfflineVerify(requestFor(chain, textSource(ndjson(lines)), overrides));

/** Edits event `index` (0-based) of the export as JSON. */
function edit(index: number, change: (event: Record<string, unknown>) => void): string[] {
  const lines = [...chain.lines];
  const event = JSON.parse(lines[index] as string) as Record<string, unknown>;
  change(event);
  lines[index] = JSON.stringify(event);
  return lines;
}

describe('runOfflineVerify (inline)', () => {
  it('verifies an untouched export: every event, the head and the Merkle root', async () => {
    const report = await verify(chain.lines);
    expect(report).toMatchObject({ ok: true, mode: 'signatures', verified: 40, fault: undefined, workers: 0 });
    expect(report.head?.sequence).toBe(40);
    expect(report.rootHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('verifies an empty export as zero events', async () => {
    expect(await verify([])).toMatchObject({ ok: true, verified: 0, head: undefined });
  });

  describe.each([
    ['a payload byte changed', () => edit(6, (e) => ((e.payload as { text: string }).text = 'event 7')), 7, 7, 'content_hash', 'CHAIN_CONTENT_HASH_MISMATCH'],
    ['a line dropped', () => chain.lines.filter((_, i) => i !== 11), 12, 12, 'gap', 'CHAIN_SEQUENCE_GAP'],
    ['a pair reordered', () => chain.lines.map((l, i, all) => (i === 19 ? all[20] : i === 20 ? all[19] : l) as string), 20, 20, 'order', 'CHAIN_SEQUENCE_GAP'],
    ['a line duplicated', () => chain.lines.flatMap((l, i) => (i === 29 ? [l, l] : [l])), 31, 31, 'duplicate', 'CHAIN_SEQUENCE_GAP'],
    ['the agent signature swapped with another event’s', () => edit(14, (e) => (e.signature = JSON.parse(chain.lines[2] as string).signature)), 15, 15, 'content_hash', 'CHAIN_CONTENT_HASH_MISMATCH'],
    ['the witness signature swapped with another event’s', () => edit(14, (e) => (e.witness_signature = JSON.parse(chain.lines[3] as string).witness_signature)), 15, 15, 'witness_signature', 'SIG_WITNESS_INVALID'],
    ['a line that is not JSON', () => chain.lines.map((l, i) => (i === 4 ? l.slice(0, 30) : l)), 5, 5, 'format', 'INPUT_INVALID_JSON'],
    ['the first line dropped', () => chain.lines.slice(1), 1, 1, 'gap', 'CHAIN_SEQUENCE_GAP'],
  ])('when an export has %s', (_what, tamper, sequence, line, check, code) => {
    it(`fails at sequence ${sequence} with ${check} (${code})`, async () => {
      const report = await verify(tamper());
      expect(report.ok).toBe(false);
      expect(report.fault).toMatchObject({ sequence, line, check, code });
      expect(report.verified).toBe(line - 1);
    });
  });

  it('fails at the first event signed by a key the keys document lacks (SIG_KEY_UNKNOWN)', async () => {
    const agent = chain.agents[1]?.record.keyId;
    const report = await verify(chain.lines, { keys: chain.keys.filter((k) => k.keyId !== agent) });
    expect(report.fault).toMatchObject({ sequence: 2, check: 'agent_key', code: 'SIG_KEY_UNKNOWN' });
  });

  it('refuses an event attested with a development key (SIG_DEVELOPMENT_KEY), unless development keys are allowed', async () => {
    // Witness key ids are not hashed into events, so renaming them dev-… changes nothing else.
    const keys = chain.keys.map((k) => (k.agentId.startsWith('WITNESS:') ? { ...k, keyId: `dev-${k.keyId}` } : k));
    expect((await verify(chain.lines, { keys })).fault).toMatchObject({ sequence: 1, check: 'development_key', code: 'SIG_DEVELOPMENT_KEY' });
    expect(await verify(chain.lines, { keys, policy: { allowDevelopmentKeys: true } })).toMatchObject({ ok: true, verified: 40 });
  });

  describe('in hashes-only mode', () => {
    it('passes a swapped witness signature (signatures are not checked) but not a changed payload', async () => {
      const swapped = edit(14, (e) => (e.witness_signature = JSON.parse(chain.lines[3] as string).witness_signature));
      expect(await verify(swapped, { mode: 'hashes-only', keys: [] })).toMatchObject({ ok: true, verified: 40 });
      const changed = edit(6, (e) => ((e.payload as { text: string }).text = 'event 7'));
      expect((await verify(changed, { mode: 'hashes-only', keys: [] })).fault).toMatchObject({ sequence: 7, check: 'content_hash' });
    });
  });
});

/**
 * A runner that takes up to `capacity` batches and answers those it was given in one turn of the event loop
 * last-first, so later batches always report before earlier ones: the lowest fault must still win.
 */
function reversingRunner(inner: BatchRunner, capacity: number): BatchRunner {
  let held: Array<{ batch: LineBatch; resolve: (r: BatchResult) => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const release = async () => {
    const now = held.reverse();
    held = [];
    timer = undefined;
    for (const h of now) h.resolve(await inner.run(h.batch));
  };
  return {
    capacity,
    threads: 0,
    run(batch) {
      return new Promise<BatchResult>((resolve) => {
        held.push({ batch, resolve });
        timer ??= setTimeout(() => void release(), 0);
      });
    },
    close: async () => undefined,
  };
}

describe('verifyExport with batches answered out of order', () => {
  const checks = createBatchChecks({ mode: 'signatures', keys: chain.keys, policy: { allowDevelopmentKeys: false }, leafHashes: true }, verifyEd25519Sodium);
  const run = (lines: string[]) => verifyExport(textSource(ndjson(lines)), reversingRunner(createInlineRunner(checks), 4), 'signatures', undefined, { batchSize: 4 });

  it('reports the lowest failing sequence even when a later batch failed first', async () => {
    // Faults at sequence 6 (batch 1) and 14 (batch 3); batch 3 answers before batch 1.
    const lines = chain.lines.map((l, i) => (i === 5 || i === 13 ? l.replace('"text":"event', '"text":"EVENT') : l));
    const report = await run(lines);
    expect(report.fault).toMatchObject({ sequence: 6, line: 6, check: 'content_hash' });
    expect(report.verified).toBe(5);
  });

  it('verifies the whole export when nothing is wrong', async () => {
    expect(await run(chain.lines)).toMatchObject({ ok: true, verified: 40 });
  });

  it('reports progress in line order: events verified and their bytes, up to the whole source', async () => {
    const text = ndjson(chain.lines);
    const seen: Array<[number, number]> = [];
    const source = textSource(text);
    await verifyExport(source, reversingRunner(createInlineRunner(checks), 4), 'signatures', undefined, { batchSize: 4, onProgress: (p) => void seen.push([p.verified, p.bytesVerified]) });
    expect(seen.map(([v]) => v)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    expect(seen.at(-1)?.[1]).toBe(source.totalBytes);
  });
});
