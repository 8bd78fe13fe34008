import { describe, expect, it } from 'vitest';
import { runOfflineVerify } from '../../../src/app/offline-verify/offline-verify.js';
import { parsePinnedCheckpoint } from '../../../src/app/offline-verify/pinned-checkpoint.js';
import { withoutModuleHooks } from '../../../src/app/offline-verify/worker-runner.js';
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

describe('withoutModuleHooks', () => {
  describe.each(['--import', '--require', '-r', '--loader', '--experimental-loader'])('when execArgv has %s', (flag) => {
    it('drops the flag and the value after it', () => {
      expect(withoutModuleHooks(['--enable-source-maps', flag, 'tsx', '--max-old-space-size=512'])).toEqual(['--enable-source-maps', '--max-old-space-size=512']);
    });

    it('drops its --flag=value form', () => {
      expect(withoutModuleHooks([`${flag}=./hooks.mjs`, '--cpu-prof'])).toEqual(['--cpu-prof']);
    });
  });

  describe('when execArgv has several hooks among other flags', () => {
    it('keeps every other flag, in order, and leaves its input unchanged', () => {
      const execArgv = Object.freeze([
        '--import',
        'tsx',
        '--max-old-space-size=512',
        '-r',
        './a.cjs',
        '--enable-source-maps',
        '--loader=ts-node/esm',
        '--cpu-prof',
        '--experimental-loader',
        './b.mjs',
        '--cpu-prof-dir=/tmp/prof',
        '--require=./c.cjs',
        '--stack-size=2000',
      ]);
      expect(withoutModuleHooks(execArgv)).toEqual(['--max-old-space-size=512', '--enable-source-maps', '--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--stack-size=2000']);
      expect(execArgv).toHaveLength(13);
    });
  });

  describe('when execArgv has no hooks', () => {
    it('returns the same flags in a new array, including flags that merely contain a hook name', () => {
      const execArgv = ['--enable-source-maps', '--experimental-require-module', '--experimental-import-meta-resolve', '--max-old-space-size=512'];
      const kept = withoutModuleHooks(execArgv);
      expect(kept).toEqual(execArgv);
      expect(kept).not.toBe(execArgv);
      expect(withoutModuleHooks([])).toEqual([]);
    });
  });
});
