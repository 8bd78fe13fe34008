import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { createHttpCosignerClient } from '../../src/adapters/witness/http-cosigner-client.js';
import { createLogger } from '../../src/api/logger.js';
import { CheckpointCosigning, cosignCheckpoint, cosignedNote, type CosignCheckpointDeps } from '../../src/app/cosign-checkpoint.js';
import { buildWitnessApp } from '../../src/api/witness-app.js';
import { StoreError } from '../../src/domain/errors.js';
import { cosignatureKeyId, cosignatureLine, cosignatureMessage, verifyCosignatureQuorum } from '../../src/domain/note/cosignature.js';
import { parseSignedNote } from '../../src/domain/note/signed-note.js';
import { TestLog } from '../support/tlog-fixture.js';
import { MemoryCosignerState, testCosigner, testSigner } from './cosigner/cosigner-fixture.js';
import type { CheckpointCosignerConfig } from '../../src/app/config.js';
import type { CosignatureStore, CosignerClient, StoredCosignature } from '../../src/app/ports.js';
import type { FastifyInstance } from 'fastify';

const ORIGIN = 'log.test/archon72';
const log = new TestLog(ORIGIN, 1);

/** An in-memory CosignatureStore with the adapter's semantics (one per checkpoint and cosigner). */
class MemoryCosignatureStore implements CosignatureStore {
  readonly rows = new Map<string, StoredCosignature>();
  failAdds = false;
  async add(c: StoredCosignature): Promise<boolean> {
    if (this.failAdds) throw new StoreError({ code: 'STORE_UNAVAILABLE', message: 'down (test)' });
    const key = `${c.treeSize}/${c.cosigner}`;
    if (this.rows.has(key)) return false;
    this.rows.set(key, c);
    return true;
  }
  async forCheckpoint(treeSize: number): Promise<StoredCosignature[]> {
    return [...this.rows.values()].filter((c) => c.treeSize === treeSize).sort((a, b) => (a.cosigner < b.cosigner ? -1 : 1));
  }
}

/** A real witness HTTP service on 127.0.0.1 (port 0) for `name`, witnessing `log`. */
interface RunningWitness {
  config: CheckpointCosignerConfig;
  state: MemoryCosignerState;
  app: FastifyInstance;
}
const running: RunningWitness[] = [];
async function startWitness(name: string, seed: number, state = new MemoryCosignerState()): Promise<RunningWitness> {
  const signer = testSigner(name, seed);
  const { cosigner } = testCosigner([log], { signer, state });
  const app = buildWitnessApp(cosigner, createLogger({ level: 'silent', pretty: false }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const witness = { config: { name, url: `http://127.0.0.1:${port}`, publicKey: signer.publicKey }, state, app };
  running.push(witness);
  return witness;
}
afterAll(async () => {
  await Promise.all(running.map((w) => w.app.close()));
});

let store: MemoryCosignatureStore;
let logLines: Array<{ level: string; message: string }>;
let requests: Array<{ url: string; oldSize: number }>;
function deps(overrides: Partial<CosignCheckpointDeps> = {}): CosignCheckpointDeps {
  const http = createHttpCosignerClient();
  const client: CosignerClient = {
    addCheckpoint(url, body, timeoutMs) {
      requests.push({ url, oldSize: Number(/^old (\d+)/.exec(body)?.[1]) });
      return http.addCheckpoint(url, body, timeoutMs);
    },
  };
  return { client, store, proofs: async (from, to) => log.proof(from, to), verify: verifyEd25519Sodium, log: (level, message) => void logLines.push({ level, message }), ...overrides };
}
beforeEach(() => {
  store = new MemoryCosignatureStore();
  logLines = [];
  requests = [];
});

describe('cosignCheckpoint', () => {
  it('gets, verifies and stores a cosignature from every cosigner; the stored ones meet the quorum', async () => {
    const a = await startWitness('witness-a.test/w1', 0xa1);
    const b = await startWitness('witness-b.test/w1', 0xb1);
    const outcome = await cosignCheckpoint(deps(), log.checkpoint(5), [a.config, b.config], new Map());
    expect(outcome).toMatchObject({ treeSize: 5, cosigned: ['witness-a.test/w1', 'witness-b.test/w1'], failures: [] });
    expect(outcome.knownSizes).toEqual(new Map([['witness-a.test/w1', 5], ['witness-b.test/w1', 5]]));
    const note = parseSignedNote(cosignedNote(log.checkpoint(5), await store.forCheckpoint(5)));
    expect(verifyCosignatureQuorum(note, [a.config, b.config], 2, verifyEd25519Sodium).cosignatures).toHaveLength(2);

    // The next checkpoint goes straight from the known sizes, with a proof.
    requests = [];
    const next = await cosignCheckpoint(deps(), log.checkpoint(12), [a.config, b.config], outcome.knownSizes);
    expect(next.cosigned).toHaveLength(2);
    expect(requests.map((r) => r.oldSize)).toEqual([5, 5]);
  });

  it('learns a cosigner\u2019s size from its 409 and asks again from there (after a restart)', async () => {
    const a = await startWitness('witness-c.test/w1', 0xc1);
    await cosignCheckpoint(deps(), log.checkpoint(3), [a.config], new Map());
    requests = [];
    const outcome = await cosignCheckpoint(deps(), log.checkpoint(8), [a.config], new Map());
    expect(outcome.cosigned).toEqual(['witness-c.test/w1']);
    expect(requests.map((r) => r.oldSize)).toEqual([0, 3]);
  });

  it('counts a cosigner that is down, one that times out, and one that refuses as failures, and logs each', async () => {
    const good = await startWitness('witness-d.test/w1', 0xd1);
    const silent: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const refusing = await startWitness('witness-e.test/w1', 0xe1);
    await cosignCheckpoint(deps(), log.fork('fork', 2).checkpoint(4), [refusing.config], new Map()); // it now follows a fork
    try {
      const cosigners = [
        good.config,
        { name: 'down.test/w1', url: 'http://127.0.0.1:1', publicKey: good.config.publicKey.map((x) => x ^ 1) },
        { name: 'slow.test/w1', url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, publicKey: testSigner('slow', 0x51).publicKey },
        refusing.config,
      ];
      const outcome = await cosignCheckpoint(deps(), log.checkpoint(6), cosigners, new Map([[refusing.config.name, 4]]), 300);
      expect(outcome.cosigned).toEqual(['witness-d.test/w1']);
      const reasons = Object.fromEntries(outcome.failures.map((f) => [f.cosigner, f.reason]));
      expect(reasons['down.test/w1']).toMatch(/unreachable/);
      expect(reasons['slow.test/w1']).toMatch(/no answer within 300 ms/);
      expect(reasons['witness-e.test/w1']).toMatch(/HTTP 422 COSIGNER_CONSISTENCY_PROOF_INVALID/);
      expect(logLines.filter((l) => l.level === 'warn')).toHaveLength(3);
      expect(await store.forCheckpoint(6)).toHaveLength(1);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('never stores a cosignature that does not verify (another key, another note, extra lines ignored)', async () => {
    const honest = testSigner('witness-f.test/w1', 0xf1);
    const impostor = testSigner('witness-f.test/w1', 0xf2);
    const text = parseSignedNote(log.checkpoint(5)).text;
    const lineBy = (s: typeof honest, body: string) => cosignatureLine(s.name, cosignatureKeyId(s.name, s.publicKey), 1, s.sign(cosignatureMessage(body, 1)));
    const answering = (lines: string): CosignerClient => ({ addCheckpoint: async () => ({ kind: 'cosigned', lines }) });
    const config = { name: honest.name, url: 'http://unused', publicKey: honest.publicKey };
    for (const lines of [lineBy(impostor, text), lineBy(honest, text.replace('\n5\n', '\n6\n')), 'not a line\n', '']) {
      const outcome = await cosignCheckpoint(deps({ client: answering(lines) }), log.checkpoint(5), [config], new Map());
      expect(outcome.cosigned).toEqual([]);
    }
    expect(store.rows.size).toBe(0);
    const mixed = await cosignCheckpoint(deps({ client: answering(`${lineBy(testSigner('other.test/w', 9), text)}${lineBy(honest, text)}`) }), log.checkpoint(5), [config], new Map());
    expect(mixed.cosigned).toEqual([honest.name]);
  });

  it('gives up on a cosigner that cosigned a larger tree, or holds another root at this size', async () => {
    const ahead = await startWitness('witness-g.test/w1', 0x71);
    await cosignCheckpoint(deps(), log.checkpoint(20), [ahead.config], new Map());
    const forked = await startWitness('witness-h.test/w1', 0x72);
    await cosignCheckpoint(deps(), log.fork('other', 1).checkpoint(7), [forked.config], new Map());
    const outcome = await cosignCheckpoint(deps(), log.checkpoint(7), [ahead.config, forked.config], new Map());
    const reasons = Object.fromEntries(outcome.failures.map((f) => [f.cosigner, f.reason]));
    expect(reasons['witness-g.test/w1']).toMatch(/larger tree \(size 20\)/);
    expect(reasons['witness-h.test/w1']).toMatch(/HTTP 409 COSIGNER_ROOT_MISMATCH/);
    expect(outcome.knownSizes.get('witness-g.test/w1')).toBe(20);
  });

  it('counts a failing proof provider or store as a failure of that cosigner', async () => {
    const a = await startWitness('witness-i.test/w1', 0x81);
    await cosignCheckpoint(deps(), log.checkpoint(2), [a.config], new Map());
    const noProof = await cosignCheckpoint(deps({ proofs: async () => Promise.reject(new Error('no nodes')) }), log.checkpoint(9), [a.config], new Map([[a.config.name, 2]]));
    expect(noProof.failures[0]?.reason).toMatch(/no nodes/);
    store.failAdds = true;
    const noStore = await cosignCheckpoint(deps(), log.checkpoint(9), [a.config], new Map([[a.config.name, 2]]));
    expect(noStore.failures[0]?.reason).toMatch(/STORE_UNAVAILABLE/);
  });
});

describe('CheckpointCosigning', () => {
  it('with no cosigners configured, says so in the log and cosigns nothing', async () => {
    const cosigning = new CheckpointCosigning(deps(), { cosigners: [], quorum: 2 });
    expect(cosigning.enabled).toBe(false);
    expect(logLines.some((l) => l.level === 'warn' && /CHECKPOINT_COSIGNERS is empty/.test(l.message))).toBe(true);
    expect(await cosigning.cosign(log.checkpoint(5))).toBeUndefined();
    expect(requests).toEqual([]);
  });

  it('cosigns published checkpoints in order, remembers sizes, and logs when the quorum is met or not', async () => {
    const a = await startWitness('witness-j.test/w1', 0x91);
    const b = await startWitness('witness-k.test/w1', 0x92);
    const cosigning = new CheckpointCosigning(deps(), { cosigners: [a.config, b.config], quorum: 2 });
    const listener = cosigning.listener();
    listener({ note: log.checkpoint(3) });
    listener({ note: log.checkpoint(10) });
    await cosigning.idle();
    expect(requests.map((r) => r.oldSize)).toEqual([0, 0, 3, 3]);
    expect(await store.forCheckpoint(10)).toHaveLength(2);
    expect(logLines.filter((l) => /witnessed by 2 of 2/.test(l.message))).toHaveLength(2);
    await b.app.close();
    await cosigning.cosign(log.checkpoint(11));
    expect(logLines.some((l) => l.level === 'warn' && /has 1 of the 2 cosignatures needed/.test(l.message))).toBe(true);
  });

  it('logs, and resolves undefined, for a note it cannot read', async () => {
    const cosigning = new CheckpointCosigning(deps(), { cosigners: [{ name: 'x', url: 'http://127.0.0.1:1', publicKey: new Uint8Array(32) }], quorum: 2 });
    expect(await cosigning.cosign('not a note')).toBeUndefined();
    expect(logLines.some((l) => l.level === 'error')).toBe(true);
  });
});
