import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { Cosigner, type CosignerLog } from '../../../src/app/cosigner/cosigner.js';
import { CosignerError } from '../../../src/domain/errors.js';
import type { CosignedCheckpoint, CosignerSigner, CosignerStateStore } from '../../../src/app/ports.js';
import type { TestLog } from '../../support/tlog-fixture.js';

/** 2027-01-01T00:00:00Z in POSIX seconds, the fixture clock's time. */
export const NOW_SECONDS = 1798761600;

/** An in-memory CosignerStateStore whose commits can be made to fail or to wait. */
export class MemoryCosignerState implements CosignerStateStore {
  readonly records = new Map<string, CosignedCheckpoint>();
  failCommits = false;
  /** When set, each commit waits for this promise before recording. */
  gate: Promise<void> | undefined;
  commits = 0;

  latest(origin: string): CosignedCheckpoint | undefined {
    return this.records.get(origin);
  }

  async commit(origin: string, checkpoint: CosignedCheckpoint): Promise<void> {
    if (this.gate !== undefined) await this.gate;
    if (this.failCommits) throw new CosignerError({ code: 'COSIGNER_STATE_WRITE_FAILED', message: 'disk full (test)' });
    this.commits++;
    this.records.set(origin, checkpoint);
  }
}

/** A cosigner key from a fixed seed. */
export function testSigner(name: string, seedByte: number): CosignerSigner {
  const pair = keyPairFromSeed(new Uint8Array(32).fill(seedByte));
  return { name, publicKey: pair.publicKey, sign: (message) => signEd25519(pair.secretKey, message) };
}

/** A Cosigner witnessing `logs`, with in-memory state and a clock fixed at NOW_SECONDS. */
export function testCosigner(logs: TestLog[], options: { signer?: CosignerSigner; state?: MemoryCosignerState; log?: CosignerLog } = {}) {
  const state = options.state ?? new MemoryCosignerState();
  const signer = options.signer ?? testSigner('witness-a.test/w1', 0xc1);
  const lines: Array<{ level: string; message: string }> = [];
  const cosigner = new Cosigner({
    logs: new Map(logs.map((l) => [l.origin, l.publicKey])),
    state,
    signer,
    clock: { now: () => '2027-01-01T00:00:00.000000Z' },
    verify: verifyEd25519Sodium,
    log: options.log ?? ((level, message) => void lines.push({ level, message })),
  });
  return { cosigner, state, signer, lines };
}
