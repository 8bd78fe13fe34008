import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { createHttpCosignerClient } from '../../src/adapters/witness/http-cosigner-client.js';
import { cosignCheckpoint, cosignedNote } from '../../src/app/cosign-checkpoint.js';
import { fromBase64 } from '../../src/domain/encoding/bytes.js';
import { verifyCosignature, verifyCosignatureQuorum, type CosignerKey } from '../../src/domain/note/cosignature.js';
import { formatSignedNote, parseSignedNote } from '../../src/domain/note/signed-note.js';
import { runCli } from '../support/run-cli.js';
import { TestLog } from '../support/tlog-fixture.js';
import { keygenCosigner, startWitnessServe, type CosignerIdentity, type WitnessProcess } from '../support/witness-processes.js';
import type { CosignatureStore, StoredCosignature } from '../../src/app/ports.js';

// Two real `archon72 witness serve` processes (C2SP tlog-witness), driven with checkpoints, proofs and notes made by
// the domain code, as a log and independent cosigners would run them: no database, no archon72 server.

const ORIGIN = 'log.e2e.test/archon72';
const log = new TestLog(ORIGIN, 0x11);

/** A running cosigner and its key as the domain verifies cosignatures with it. */
interface Witness extends WitnessProcess {
  key: CosignerKey;
}

let dir: string;
const at = (name: string) => join(dir, name);
const witnesses: Witness[] = [];

/** Starts `archon72 witness serve` for this log on a free port, resolving once it logs where it listens. */
async function serve(w: CosignerIdentity): Promise<Witness> {
  const started = await startWitnessServe(w, [`${ORIGIN}=${log.publicKeyB64}`]);
  return { ...started, key: { name: w.name, publicKey: fromBase64(w.publicKey) as Uint8Array } };
}

async function post(w: Witness, body: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

const codeOf = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code;

/** The timestamp of `w`'s cosignature line on the checkpoint of `size`, verified with its key. */
function verifyLine(w: Witness, size: number, line: string): number {
  const note = parseSignedNote(formatSignedNote(parseSignedNote(log.checkpoint(size)).text, [line]));
  return verifyCosignature(note, w.key, verifyEd25519Sodium).timestamp;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'archon72-witness-'));
  for (const name of ['witness-a.e2e.test/w1', 'witness-b.e2e.test/w1']) {
    const slug = name.slice(8, 9);
    witnesses.push(await serve(keygenCosigner(name, at(`${slug}.key`), at(`${slug}.state.json`))));
  }
});

afterAll(async () => {
  await Promise.all(witnesses.map((w) => w.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('archon72 witness keygen', () => {
  it('writes a key file of mode 0600 and never overwrites it', () => {
    const [a] = witnesses as [Witness];
    expect(statSync(a.keyFile).mode & 0o777).toBe(0o600);
    const again = runCli(['witness', 'keygen', '--name', a.name, '--out', a.keyFile], {});
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/INPUT_FIELD_INVALID: .* already exists/);
  });
});

describe('archon72 witness serve', () => {
  it('cosigns a log that grows, for a log collecting from both (quorum 2 of 2)', async () => {
    const [a, b] = witnesses as [Witness, Witness];
    const rows: StoredCosignature[] = [];
    const store: CosignatureStore = { add: async (c) => (rows.push(c), true), forCheckpoint: async (size) => rows.filter((c) => c.treeSize === size) };
    const cosigners = [a, b].map((w) => ({ name: w.name, url: w.url, publicKey: w.key.publicKey }));
    const deps = { client: createHttpCosignerClient(), store, proofs: async (from: number, to: number) => log.proof(from, to), verify: verifyEd25519Sodium, log: () => undefined };
    let sizes = new Map<string, number>();
    for (const size of [5, 12]) {
      const outcome = await cosignCheckpoint(deps, log.checkpoint(size), cosigners, sizes);
      expect(outcome.failures).toEqual([]);
      sizes = outcome.knownSizes;
      const note = parseSignedNote(cosignedNote(log.checkpoint(size), await store.forCheckpoint(size)));
      expect(verifyCosignatureQuorum(note, [a.key, b.key], 2, verifyEd25519Sodium).cosignatures.map((c) => c.cosignerName)).toEqual([a.name, b.name]);
    }
  });

  it('answers 409 text/x.tlog.size with its size for a stale old size', async () => {
    const res = await post(witnesses[0] as Witness, log.request(5, 20));
    expect(res).toMatchObject({ status: 409, type: 'text/x.tlog.size', text: '12\n' });
  });

  it('answers 422 for a consistency proof that does not verify', async () => {
    const res = await post(witnesses[0] as Witness, log.request(12, 20, log.proof(11, 20)));
    expect(res.status).toBe(422);
    expect(codeOf(res.text)).toBe('COSIGNER_CONSISTENCY_PROOF_INVALID');
  });

  it('answers 403 for a checkpoint signed by another key, and 404 for a log it does not witness', async () => {
    const impostor = new TestLog(ORIGIN, 0x12);
    const forbidden = await post(witnesses[0] as Witness, impostor.request(12, 20, log.proof(12, 20)));
    expect([forbidden.status, codeOf(forbidden.text)]).toEqual([403, 'COSIGNER_LOG_SIGNATURE_INVALID']);
    const unknown = await post(witnesses[0] as Witness, new TestLog('other.e2e.test/log', 0x13).request(0, 3));
    expect([unknown.status, codeOf(unknown.text)]).toEqual([404, 'COSIGNER_LOG_UNKNOWN']);
  });

  it('refuses a checkpoint inconsistent with the last one it cosigned (a fork), larger or of the same size', async () => {
    const fork = log.fork('fork', 10);
    const larger = await post(witnesses[0] as Witness, fork.request(12, 20));
    expect([larger.status, codeOf(larger.text)]).toEqual([422, 'COSIGNER_CONSISTENCY_PROOF_INVALID']);
    const same = await post(witnesses[0] as Witness, fork.request(12, 12));
    expect([same.status, codeOf(same.text)]).toEqual([409, 'COSIGNER_ROOT_MISMATCH']);
  });

  it('cosigns only one of two divergent checkpoints sent at once from the same old size', async () => {
    const b = witnesses[1] as Witness;
    const fork = log.fork('race', 12);
    const [first, second] = await Promise.all([post(b, log.request(12, 16)), post(b, fork.request(12, 16))]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const winner = first.status === 200 ? log : fork;
    const line = (first.status === 200 ? first : second).text;
    const note = parseSignedNote(formatSignedNote(parseSignedNote(winner.checkpoint(16)).text, [line]));
    expect(verifyCosignature(note, b.key, verifyEd25519Sodium).timestamp).toBeGreaterThan(0);
    const loser = first.status === 200 ? second : first;
    expect(loser).toMatchObject({ type: 'text/x.tlog.size', text: '16\n' });
  });

  it('keeps its state across a restart (the state file)', async () => {
    const a = witnesses[0] as Witness;
    expect((await a.stop()).code).toBe(0);
    const restarted = await serve(a);
    witnesses[0] = restarted;
    expect(restarted.process.out.stdout).toContain(`"cosigned":{"${ORIGIN}":12}`);
    expect(await post(restarted, log.request(0, 20))).toMatchObject({ status: 409, text: '12\n' });
    const res = await post(restarted, log.request(12, 20));
    expect(res.status).toBe(200);
    expect(verifyLine(restarted, 20, res.text)).toBeGreaterThan(0);
  });

  it('refuses a second process on the same state file', () => {
    const a = witnesses[0] as Witness;
    const second = runCli(['witness', 'serve', '--key', a.keyFile, '--state', a.stateFile, '--log', `${ORIGIN}=${log.publicKeyB64}`, '--listen', '127.0.0.1:0'], {});
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/COSIGNER_STATE_LOCKED/);
  });

  it('refuses bad options: a --log that is not ORIGIN=KEY, a missing key file', () => {
    const badLog = runCli(['witness', 'serve', '--key', at('a.key'), '--state', at('x.json'), '--log', 'no-key-here'], {});
    expect(badLog.status).toBe(2);
    const noKey = runCli(['witness', 'serve', '--key', at('missing.key'), '--state', at('x.json'), '--log', `${ORIGIN}=${log.publicKeyB64}`], {});
    expect([noKey.status, /CUSTODY_KEY_NOT_FOUND/.test(noKey.stderr)]).toEqual([1, true]);
  });

  it('after kill -9 in the middle of cosigning, its state file is valid and holds at least every size it answered', async () => {
    let size = 20;
    for (let round = 0; round < 4; round++) {
      const w = witnesses[0] as Witness;
      let answered = size;
      let sent = size;
      let running = true;
      const driver = (async () => {
        while (running) {
          const next = sent + 1;
          sent = next;
          const res = await post(w, log.request(answered, next)).catch(() => undefined);
          if (res?.status !== 200) break;
          answered = next;
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + round * 70));
      w.process.child.kill('SIGKILL');
      running = false;
      await driver;
      await w.process.exited;
      // Whatever was interrupted, the file is one complete state: persisted before answering, never torn.
      const state = JSON.parse(readFileSync(w.stateFile, 'utf8')) as { format: string; logs: Record<string, { tree_size: number }> };
      expect(state.format).toBe('archon72-cosigner-state/v1');
      const stored = state.logs[ORIGIN]?.tree_size as number;
      expect(stored).toBeGreaterThanOrEqual(answered);
      expect(stored).toBeLessThanOrEqual(sent);
      expect(answered).toBeGreaterThan(size);
      // It restarts on that state (taking over the dead process's lock, removing any temporary file) and goes on.
      const restarted = await serve(w);
      witnesses[0] = restarted;
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect(await post(restarted, log.request(0, stored + 1))).toMatchObject({ status: 409, text: `${stored}\n` });
      size = stored;
    }
  });
});
