import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';

/**
 * Keeper key registration as keepers and an operator run it: each keeper makes a key and a self-signed request
 * on their own machine; the first quorum registers as a bootstrap; later keepers need the quorum's approvals,
 * which the approvers make offline by signing the request. The server only ever sees public keys and signatures.
 */
describe('archon72 keeper request|sign|register', () => {
  let dir: string;
  let server: Record<string, string>;
  let keeper: Record<string, string>;
  const at = (name: string) => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-keeper-register-'));
    server = { DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(dir, 'data') };
    writeFileSync(at('passphrase'), 'a passphrase long enough\n', { mode: 0o600 });
    // A keeper's machine: no database at all.
    keeper = { ARCHON72_DATA_DIR: join(dir, 'nowhere'), DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' };
    expect(runCli(['migrate'], server).status).toBe(0);
    for (const name of ['alice', 'bob', 'carol']) {
      const keygen = runCli(['keeper', 'keygen', '--keeper', `KEEPER:${name}`, '--out', at(`${name}.key`), '--passphrase-file', at('passphrase')], keeper);
      expect(keygen.status, keygen.stderr).toBe(0);
      const request = runCli(['keeper', 'request', '--key', at(`${name}.key`), '--out', at(`${name}.request.json`), '--passphrase-file', at('passphrase')], keeper);
      expect(request.status, request.stderr).toBe(0);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a request is the registration statement signed by the new key itself', () => {
    const request = JSON.parse(readFileSync(at('alice.request.json'), 'utf8')) as { statement: Record<string, string>; keeper_id: string; key_id: string };
    const key = JSON.parse(readFileSync(at('alice.key'), 'utf8')) as Record<string, string>;
    expect(request.statement).toEqual({ type: 'keeper.key_registration', keeper_id: 'KEEPER:alice', key_id: key.key_id, public_key: key.public_key });
    expect(request.key_id).toBe(key.key_id);
  });

  it('registers the first two keepers as a bootstrap, recorded as such', () => {
    for (const name of ['alice', 'bob']) {
      const result = runCli(['keeper', 'register', '--request', at(`${name}.request.json`)], server);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^registered KEEPER:${name} keeper-[0-9a-f]{16} .*: bootstrap \\(fewer than a quorum of keepers existed\\); keeper\\.key_registered at sequence \\d+\\n$`));
    }
  });

  it('refuses the third keeper without a quorum of approvals, naming who is missing', () => {
    expect(runCli(['keeper', 'sign', at('carol.request.json'), '--key', at('alice.key'), '--out', at('carol.by-alice.json'), '--passphrase-file', at('passphrase')], keeper).status).toBe(0);
    const result = runCli(['keeper', 'register', '--request', at('carol.request.json'), '--approval', at('carol.by-alice.json')], server);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/SIG_INVALID: keeper quorum not met: 1 of 2 required keepers signed validly \(KEEPER:alice\)/);
  });

  it('registers the third keeper with approvals from alice and bob, and verify-db accepts the log', () => {
    expect(runCli(['keeper', 'sign', at('carol.request.json'), '--key', at('bob.key'), '--out', at('carol.by-bob.json'), '--passphrase-file', at('passphrase')], keeper).status).toBe(0);
    const result = runCli(['keeper', 'register', '--request', at('carol.request.json'), '--approval', at('carol.by-alice.json'), '--approval', at('carol.by-bob.json')], server);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/registered KEEPER:carol .*: approved by KEEPER:alice, KEEPER:bob;/);

    const list = runCli(['keys', 'list', '--json'], server);
    const keepers = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { actor_id: string; kind: string }).filter((k) => k.kind === 'keeper');
    expect(keepers.map((k) => k.actor_id)).toEqual(['KEEPER:alice', 'KEEPER:bob', 'KEEPER:carol']);
    expect(runCli(['verify-db'], server).status).toBe(0);
  });

  it('refuses a request file that is not a signed statement, before touching the database', () => {
    writeFileSync(at('garbage.json'), '{"statement": 1}');
    const result = runCli(['keeper', 'register', '--request', at('garbage.json')], { ...server, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/INPUT_FIELD_INVALID: .*garbage\.json/);
  });
});
