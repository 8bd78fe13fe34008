import { describe, expect, it } from 'vitest';
import { runOfflineVerify } from '../../../src/app/offline-verify/offline-verify.js';
import { parsePinnedCheckpoint } from '../../../src/app/offline-verify/pinned-checkpoint.js';
import { buildChain, ndjson, requestFor, textSource } from './chain-fixture.js';

// 300 events in batches of 32 lines: ten batches, so the worker threads verify batches side by side.
const chain = buildChain(300);
const small = { batchSize: 32 };

describe('runOfflineVerify on worker threads', { timeout: 60_000 }, () => {
  it('verifies what the inline run verifies, with the same Merkle root and checkpoint', async () => {
    const checkpoints = [parsePinnedCheckpoint(chain.checkpoint(300), 'cp'), parsePinnedCheckpoint(chain.checkpoint(150), 'cp2')];
    const request = requestFor(chain, textSource(ndjson(chain.lines)), { checkpoints, cosigners: chain.trustedCosigners });
    const [threads, inline] = [await runOfflineVerify({ ...request, workers: 2 }, small), await runOfflineVerify(request, small)];
    expect(threads).toMatchObject({ ok: true, verified: 300, workers: 2 });
    expect(threads.rootHash).toBe(inline.rootHash);
    expect(threads.checkpoints.every((c) => c.rootVerified)).toBe(true);
  });

  it('reports the lowest fault when batches on different threads both fail', async () => {
    const lines = chain.lines.map((l, i) => (i === 150 || i === 240 ? l.replace('"text":"event', '"text":"EVENT') : l));
    for (const workers of [2, 3]) {
      const report = await runOfflineVerify(requestFor(chain, textSource(ndjson(lines)), { workers }), small);
      expect(report.fault).toMatchObject({ sequence: 151, line: 151, check: 'content_hash' });
      expect(report.verified).toBe(150);
    }
  });

  it('verifies hashes only on worker threads', async () => {
    const report = await runOfflineVerify(requestFor(chain, textSource(ndjson(chain.lines)), { mode: 'hashes-only', keys: [], workers: 2 }), small);
    expect(report).toMatchObject({ ok: true, verified: 300, mode: 'hashes-only' });
  });

  it('fails the run (and stops the threads) when a worker cannot load its verifier', async () => {
    const request = requestFor(chain, textSource(ndjson(chain.lines)), { workers: 2 });
    const broken = { ...request, verifier: { ...request.verifier, module: { ...request.verifier.module, exportName: 'noSuchVerifier' } } };
    await expect(runOfflineVerify(broken, small)).rejects.toThrow(/does not export a function noSuchVerifier/);
  });
});
