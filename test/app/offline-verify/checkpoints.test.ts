import { describe, expect, it } from 'vitest';
import { runOfflineVerify } from '../../../src/app/offline-verify/offline-verify.js';
import { parsePinnedCheckpoint } from '../../../src/app/offline-verify/pinned-checkpoint.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { buildChain, ndjson, newSigner, ORIGIN, requestFor, textSource } from './chain-fixture.js';
import type { OfflineVerifyRequest } from '../../../src/app/offline-verify/offline-verify.js';

const chain = buildChain(30);
const other = buildChain(30); // another log, with its own keys

function run(notes: string[], overrides: Partial<OfflineVerifyRequest> = {}, lines: readonly string[] = chain.lines) {
  const checkpoints = notes.map((note, i) => parsePinnedCheckpoint(note, `cp${i + 1}`));
  return runOfflineVerify(requestFor(chain, textSource(ndjson(lines)), { checkpoints, cosigners: chain.trustedCosigners, ...overrides }));
}

describe('pinned checkpoints', () => {
  it('verifies checkpoints at several tree sizes: log signature, cosignature quorum and the root recomputed from the events', async () => {
    const report = await run([chain.checkpoint(30), chain.checkpoint(10), chain.checkpoint(0)]);
    expect(report.ok).toBe(true);
    expect(report.checkpoints.map((c) => [c.treeSize, c.rootVerified, c.signatures?.cosigners])).toEqual([
      [0, true, ['cosigner-a.example', 'cosigner-b.example']],
      [10, true, ['cosigner-a.example', 'cosigner-b.example']],
      [30, true, ['cosigner-a.example', 'cosigner-b.example']],
    ]);
    expect(report.checkpoints[2]?.rootHash).toBe(report.rootHash);
    expect(report.checkpoints[0]?.signatures?.logKeyId).toBe(chain.log.record.keyId);
  });

  it('refuses a checkpoint from another log: no signature of this log’s key (checkpoint_signature)', async () => {
    const report = await run([other.checkpoint(20, { origin: 'other.example/log' })], { cosigners: [] });
    expect(report.fault).toMatchObject({ sequence: 20, line: 0, check: 'checkpoint_signature', code: 'SIG_NOTE_SIGNATURE_MISSING' });
    expect(report.verified).toBe(30); // the events themselves verified
  });

  it('refuses a checkpoint from another log in hashes-only mode: its root is not the events’ root (checkpoint_root)', async () => {
    const report = await run([other.checkpoint(20)], { mode: 'hashes-only', keys: [] });
    expect(report.fault).toMatchObject({ sequence: 20, check: 'checkpoint_root', code: 'MERKLE_TREE_INCONSISTENT' });
  });

  it('refuses a checkpoint of another origin than the one pinned (checkpoint_consistency)', async () => {
    const report = await run([chain.checkpoint(12, { origin: 'archon72.invalid/elsewhere' })], { origin: ORIGIN });
    expect(report.fault).toMatchObject({ sequence: 12, check: 'checkpoint_consistency', code: 'MERKLE_TREE_INCONSISTENT' });
  });

  it('refuses two checkpoints of one tree size with different roots: the log forked (checkpoint_consistency)', async () => {
    const forked = chain.checkpoint(15, { rootOf: other.events });
    const report = await run([chain.checkpoint(15), forked], { mode: 'hashes-only', keys: [] });
    expect(report.fault).toMatchObject({ sequence: 15, check: 'checkpoint_consistency' });
  });

  it('refuses a checkpoint whose root differs from the events, signed by the log (checkpoint_root)', async () => {
    const report = await run([chain.checkpoint(25, { rootOf: other.events })]);
    expect(report.fault).toMatchObject({ sequence: 25, check: 'checkpoint_root', code: 'MERKLE_TREE_INCONSISTENT' });
  });

  it('refuses a checkpoint signed by a key that is not the log’s, under the log’s origin (checkpoint_signature)', async () => {
    const report = await run([chain.checkpoint(8, { signer: newSigner('SYSTEM:LOG') })]);
    expect(report.fault).toMatchObject({ sequence: 8, check: 'checkpoint_signature', code: 'SIG_NOTE_SIGNATURE_MISSING' });
  });

  it('refuses a checkpoint below the cosignature quorum (checkpoint_cosignatures)', async () => {
    const note = chain.checkpoint(9, { cosignedBy: chain.cosigners.slice(0, 1) });
    const report = await run([note], { quorum: 2 });
    expect(report.fault).toMatchObject({ sequence: 9, check: 'checkpoint_cosignatures', code: 'SIG_COSIGNATURE_QUORUM_NOT_MET' });
    expect((await run([note], { quorum: 1 })).ok).toBe(true);
  });

  it('reports a fault in the events before a checkpoint fault at a higher sequence', async () => {
    const lines = chain.lines.map((l, i) => (i === 4 ? l.replace('"text":"event', '"text":"EVENT') : l));
    const report = await run([other.checkpoint(20, { origin: 'other.example/log' })], {}, lines);
    expect(report.fault).toMatchObject({ sequence: 5, check: 'content_hash' });
  });

  it('reports an export that ends before a checkpoint as truncated, at the first missing sequence', async () => {
    const report = await run([chain.checkpoint(30)], {}, chain.lines.slice(0, 29));
    expect(report.fault).toMatchObject({ sequence: 30, check: 'truncated', code: 'CHAIN_SEQUENCE_GAP' });
    expect(report.verified).toBe(29);
  });

  it('refuses a checkpoint file that is not a signed checkpoint note (INPUT_NOTE_MALFORMED)', () => {
    expectCode(() => parsePinnedCheckpoint('archon72.invalid/test\n1\n', 'bad'), InputError, 'INPUT_NOTE_MALFORMED');
  });
});
