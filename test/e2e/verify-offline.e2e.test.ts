import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomPort, runCli } from '../support/run-cli.js';
import { startServe } from '../support/serve-process.js';
import { parseConfig } from '../../src/app/config.js';
import { openStack, provisionKeys } from '../../src/compose.js';
import { ensureAgentKey, LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { signSubmission } from '../../src/app/sign-submission.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { keyPairFromSeed, signEd25519 } from '../../src/adapters/crypto/sodium-ed25519.js';
import { computeContentHash } from '../../src/domain/chain/content-hash.js';
import { toEventJson } from '../../src/domain/chain/event-json.js';
import { toHex, utf8 } from '../../src/domain/encoding/bytes.js';
import { eventLeafHash } from '../../src/domain/merkle/event-leaf.js';
import { rootFromLeafHashes } from '../../src/domain/merkle/compact-range.js';
import { checkpointBody, logKeyId, signatureLine } from '../../src/domain/note/checkpoint-note.js';
import { cosignatureKeyId, cosignatureLine, cosignatureMessage } from '../../src/domain/note/cosignature.js';
import { formatSignedNote } from '../../src/domain/note/signed-note.js';
import type { StoredEvent } from '../../src/domain/chain/event.types.js';

const EVENTS = 30;
const SECOND_AGENT = 'agent-5d2f7c1e-8a4b-4c3d-9e6f-0a1b2c3d4e5f';

/**
 * `archon72 verify` on a real log: built by the service's own code on an embedded database, exported to NDJSON
 * (each line the protocol JSON of toEventJson), its keys document written by `archon72 keys export-public`, and
 * checkpoints signed with the log's key (SYSTEM:LOG) in the development custody. The built CLI verifies it with no
 * database, then each tampered copy must fail with the right reason and sequence.
 */
describe('archon72 verify (offline verifier)', () => {
  let dir: string;
  let env: Record<string, string>;
  let events: StoredEvent[];
  let lines: string[];
  const path = (name: string) => join(dir, name);
  const cosigners = ['cosigner-a.example', 'cosigner-b.example'].map((name, i) => ({ name, ...keyPairFromSeed(new Uint8Array(32).fill(i + 1)) }));
  const cosignerArgs = cosigners.flatMap((c) => ['--cosigner', `${c.name}=${toHex(c.publicKey)}`]);

  /** Writes `content` as export file `name` and runs `archon72 verify --file name` with `args`. */
  const verifyFile = (name: string, content: string[] | string, ...args: string[]) => {
    writeFileSync(path(name), typeof content === 'string' ? content : content.map((l) => `${l}\n`).join(''));
    return runCli(['verify', '--file', path(name), ...args], {});
  };
  const verifySigned = (name: string, content: string[] | string, ...args: string[]) =>
    verifyFile(name, content, '--keys', path('keys.json'), '--allow-development-keys', '--workers', '2', ...args);

  /** A copy of the export with event `index` (0-based) edited as JSON. */
  const edit = (index: number, change: (event: Record<string, unknown>) => void) =>
    lines.map((line, i) => {
      if (i !== index) return line;
      const event = JSON.parse(line) as Record<string, unknown>;
      change(event);
      return JSON.stringify(event);
    });

  let checkpointNote: (treeSize: number, cosignedBy?: typeof cosigners) => string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-verify-'));
    env = { DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: path('data') };
    expect(runCli(['migrate'], env).status).toBe(0);
    const stack = await openStack(parseConfig(env), 'verify-offline e2e', { custody: true });
    try {
      await provisionKeys(stack);
      const deps = { registry: stack.registry, custody: stack.custody(), keys: stack.keys };
      const writer = await ensureAgentKey('SYSTEM:EVENT_WRITER', deps, stack.clock.now());
      const agent = await ensureAgentKey(SECOND_AGENT, deps, stack.clock.now());
      for (let i = 1; i <= EVENTS; i++) {
        const key = i % 3 === 0 ? agent : writer;
        const body = { eventId: crypto.randomUUID(), eventType: 'test.recorded', payload: { i, amount: 100, note: `event ${i}` }, agentId: key.agentId, signingKeyId: key.keyId, localTimestamp: systemClock.now() };
        await stack.appender().append(await signSubmission(body, stack.custody()));
      }
      events = await stack.store.readRange(1, EVENTS, EVENTS);
      const logKey = (await stack.keys.reload()).keysOf(LOG_SIGNER_ID)[0];
      if (logKey === undefined) throw new Error('no SYSTEM:LOG key was provisioned');
      // Checkpoints signed here with the log's key in custody, exactly as C2SP tlog-checkpoint lays them out.
      const origin = 'archon72.invalid/dev';
      const bodies = new Map<number, string>();
      for (const size of [10, EVENTS]) bodies.set(size, checkpointBody({ origin, treeSize: size, rootHash: rootFromLeafHashes(events.slice(0, size).map(eventLeafHash)) }));
      const signatures = new Map<number, string>();
      for (const [size, text] of bodies) signatures.set(size, signatureLine(origin, logKeyId(origin, logKey.publicKey), await stack.custody().sign(logKey.keyId, utf8(text))));
      checkpointNote = (size, cosignedBy = cosigners) => {
        const text = bodies.get(size) as string;
        const cosignatures = cosignedBy.map((c) => cosignatureLine(c.name, cosignatureKeyId(c.name, c.publicKey), 1_800_000_000, signEd25519(c.secretKey, cosignatureMessage(text, 1_800_000_000))));
        return formatSignedNote(text, [signatures.get(size) as string, ...cosignatures]);
      };
    } finally {
      await stack.close();
    }
    lines = events.map((e) => JSON.stringify(toEventJson(e)));
    const exported = runCli(['keys', 'export-public', '--out', path('keys.json')], env);
    expect(exported.status, exported.stderr).toBe(0);
    writeFileSync(path('cp10.note'), checkpointNote(10));
    writeFileSync(path('cp30.note'), checkpointNote(EVENTS));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('on the untouched export', () => {
    it('verifies every event, exits 0 and prints one summary line', () => {
      const result = verifySigned('export.ndjson', lines);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^OK: 30 events verified \(sequence 1\.\.30\); hashes, chain, both signatures and witness selection checked; Merkle root \S+ at tree size 30; .* 2 workers\n$/);
    });

    it('refuses the development keys that signed it unless --allow-development-keys is given', () => {
      const result = verifyFile('export.ndjson', lines, '--keys', path('keys.json'));
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^FAULT at sequence 1 \(line 1, development_key\): SIG_DEVELOPMENT_KEY: /);
    });

    it('checks pinned checkpoints: log signature, cosignature quorum and roots', () => {
      const result = verifySigned('export.ndjson', lines, '--checkpoint', path('cp10.note'), '--checkpoint', path('cp30.note'), ...cosignerArgs, '--origin', 'archon72.invalid/dev');
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/2 checkpoints verified \(tree size 10, 30, cosignature quorum met\)/);
    });

    it('prints a machine-readable report with --json', () => {
      const result = verifySigned('export.ndjson', lines, '--checkpoint', path('cp30.note'), '--json');
      expect(result.status).toBe(0);
      const report = JSON.parse(result.stdout) as Record<string, unknown> & { checkpoints: Array<Record<string, unknown>> };
      expect(report).toMatchObject({ ok: true, mode: 'signatures', events_verified: 30, tree_size: 30, fault: null, workers: 2 });
      expect(report.checkpoints[0]).toMatchObject({ tree_size: 30, root_verified: true, root_hash: report.root_hash });
    });

    it('checks hashes and roots only with --hashes-only, without keys', () => {
      const result = verifyFile('export.ndjson', lines, '--hashes-only', '--checkpoint', path('cp30.note'));
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^OK: 30 events verified .*signatures NOT checked \(--hashes-only\).*1 checkpoint verified/);
    });
  });

  describe.each([
    ['one byte changed in a payload', () => lines.map((l, i) => (i === 6 ? l.replace('"amount":100', '"amount":900') : l)), 7, 'line 7, content_hash', 'CHAIN_CONTENT_HASH_MISMATCH'],
    ['a line dropped', () => lines.filter((_, i) => i !== 11), 12, 'line 12, gap', 'CHAIN_SEQUENCE_GAP'],
    ['a pair of lines reordered', () => lines.map((l, i) => (i === 19 ? lines[20] : i === 20 ? lines[19] : l) as string), 20, 'line 20, order', 'CHAIN_SEQUENCE_GAP'],
    ['a line duplicated', () => lines.flatMap((l, i) => (i === 24 ? [l, l] : [l])), 26, 'line 26, duplicate', 'CHAIN_SEQUENCE_GAP'],
    ['an agent signature swapped with another event’s', () => edit(14, (e) => (e.signature = (JSON.parse(lines[2] as string) as { signature: string }).signature)), 15, 'line 15, content_hash', 'CHAIN_CONTENT_HASH_MISMATCH'],
    ['a witness signature swapped with another event’s', () => edit(14, (e) => (e.witness_signature = (JSON.parse(lines[3] as string) as { witness_signature: string }).witness_signature)), 15, 'line 15, witness_signature', 'SIG_WITNESS_INVALID'],
  ])('on an export with %s', (_what, tamper, sequence, where, code) => {
    it(`exits 1 naming sequence ${sequence} (${where}) and ${code}`, () => {
      const result = verifySigned('tampered.ndjson', tamper());
      expect(result.status, result.stderr).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^FAULT at sequence ${sequence} \\(${where}\\): ${code}: `));
      expect(result.stdout.split('\n')).toHaveLength(2); // one line
    });
  });

  it('finds an agent signature swapped on the last event even when its content_hash is recomputed (SIG_INVALID)', () => {
    const last = EVENTS - 1;
    const tampered = edit(last, (e) => {
      e.signature = (JSON.parse(lines[2] as string) as { signature: string }).signature;
      const event = { ...(events[last] as StoredEvent), signature: e.signature as string };
      e.content_hash = computeContentHash(event);
    });
    const result = verifySigned('resigned.ndjson', tampered);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAULT at sequence 30 \(line 30, agent_signature\): SIG_INVALID: /);
  });

  it('fails at the first event signed by a key missing from the keys document (SIG_KEY_UNKNOWN)', () => {
    const keys = JSON.parse(readFileSync(path('keys.json'), 'utf8')) as { keys: Array<{ actor_id: string }> };
    writeFileSync(path('keys-missing.json'), JSON.stringify({ ...keys, keys: keys.keys.filter((k) => k.actor_id !== SECOND_AGENT) }));
    const result = verifyFile('export.ndjson', lines, '--keys', path('keys-missing.json'), '--allow-development-keys');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAULT at sequence 3 \(line 3, agent_key\): SIG_KEY_UNKNOWN: /);
  });

  describe('with a checkpoint from another log', () => {
    beforeAll(() => {
      const other = keyPairFromSeed(new Uint8Array(32).fill(9));
      const text = checkpointBody({ origin: 'other.example/log', treeSize: 20, rootHash: new Uint8Array(32).fill(7) });
      const line = signatureLine('other.example/log', logKeyId('other.example/log', other.publicKey), signEd25519(other.secretKey, utf8(text)));
      writeFileSync(path('other.note'), formatSignedNote(text, [line]));
    });

    it('fails on its signature: no line of this log’s key', () => {
      const result = verifySigned('export.ndjson', lines, '--checkpoint', path('other.note'));
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^FAULT at sequence 20 \(checkpoint_signature\): SIG_NOTE_SIGNATURE_MISSING: /);
    });

    it('fails on its root with --hashes-only', () => {
      const result = verifyFile('export.ndjson', lines, '--hashes-only', '--checkpoint', path('other.note'));
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^FAULT at sequence 20 \(checkpoint_root\): MERKLE_TREE_INCONSISTENT: /);
    });

    it('fails on its origin when the log’s origin is pinned', () => {
      const result = verifySigned('export.ndjson', lines, '--checkpoint', path('other.note'), '--origin', 'archon72.invalid/dev');
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^FAULT at sequence 20 \(checkpoint_consistency\): MERKLE_TREE_INCONSISTENT: /);
    });
  });

  it('fails below the cosignature quorum', () => {
    writeFileSync(path('cp30-one.note'), checkpointNote(EVENTS, cosigners.slice(0, 1)));
    const result = verifySigned('export.ndjson', lines, '--checkpoint', path('cp30-one.note'), ...cosignerArgs);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAULT at sequence 30 \(checkpoint_cosignatures\): SIG_COSIGNATURE_QUORUM_NOT_MET: /);
  });

  it('detects a dropped last line against a checkpoint covering it (truncated)', () => {
    const result = verifySigned('short.ndjson', lines.slice(0, -1), '--checkpoint', path('cp30.note'));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAULT at sequence 30 \(truncated\): CHAIN_SEQUENCE_GAP: /);
  });

  describe('bad usage exits 2', () => {
    it.each([
      ['no source', ['verify', '--hashes-only']],
      ['both --file and --url', ['verify', '--file', 'x', '--url', 'http://127.0.0.1:1', '--hashes-only']],
      ['no keys document for signatures', ['verify', '--file', 'export.ndjson']],
      ['a missing export file', ['verify', '--file', 'missing.ndjson', '--hashes-only']],
      ['a keys document that is not one', ['verify', '--file', 'export.ndjson', '--keys', 'export.ndjson']],
      ['a malformed checkpoint', ['verify', '--file', 'export.ndjson', '--hashes-only', '--checkpoint', 'export.ndjson']],
      ['a malformed cosigner', ['verify', '--file', 'export.ndjson', '--hashes-only', '--cosigner', 'name=nothex']],
    ])('%s', (_what, args) => {
      const result = runCli(args, {}, dir);
      expect(result.status, result.stdout).toBe(2);
      expect(result.stderr).toMatch(/^(archon72: |error: )/);
    });
  });

  it('verifies a live server through its observer API (--url)', async () => {
    const server = await startServe(env, Number(randomPort()));
    try {
      const result = runCli(['verify', '--url', server.url, '--keys', path('keys.json'), '--allow-development-keys', '--checkpoint', path('cp30.note')], {});
      expect(result.status, result.stdout + result.stderr).toBe(0);
      // The pinned checkpoint and the server's own latest one (its checkpointer publishes while it runs).
      expect(result.stdout).toMatch(/^OK: \d+ events verified \(sequence 1\.\.\d+\).* \d checkpoints? verified/);
    } finally {
      await server.stop();
    }
  });
});
