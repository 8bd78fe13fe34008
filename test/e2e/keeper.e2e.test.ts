import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { fromHex } from '../../src/domain/encoding/bytes.js';
import { parseSignedStatement, verifySignedStatement } from '../../src/domain/signing/keeper-statement.js';
import { Keyring } from '../../src/domain/signing/keyring.js';
import { runCli } from '../support/run-cli.js';

const PASSPHRASE = 'keepers keep the keys';

/** `archon72 keeper keygen|sign` as a keeper runs them on their own machine: no database, no server. */
describe('archon72 keeper', () => {
  let dir: string;
  /** No passphrase in the environment; the data directory and database are unreachable on purpose. */
  let env: Record<string, string>;
  const at = (name: string) => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-keeper-cli-'));
    env = { ARCHON72_DATA_DIR: join(dir, 'data'), DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/archon72' };
    writeFileSync(at('passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
    writeFileSync(at('statement.json'), JSON.stringify({ type: 'halt.clear', ceremony_id: '018f3a00-0000-7000-8000-00000000c1ea', halt_sequence: 42 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const keyFile = () => JSON.parse(readFileSync(at('alice.key'), 'utf8')) as Record<string, unknown>;

  describe('keygen', () => {
    it('creates an encrypted key file, mode 0600, and prints the keeper id, key id and public key', () => {
      const result = runCli(['keeper', 'keygen', '--keeper', 'KEEPER:alice', '--out', at('alice.key'), '--passphrase-file', at('passphrase')], env);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      const file = keyFile();
      expect(result.stdout).toBe(`keeper_id   KEEPER:alice\nkey_id      ${file.key_id as string}\npublic_key  ${file.public_key as string}\n`);
      expect(statSync(at('alice.key')).mode & 0o777).toBe(0o600);
      expect(file).toMatchObject({ format: 'archon72-keeper-key/v1', keeper_id: 'KEEPER:alice', encryption: 'scrypt-aes-256-gcm', kdf: { name: 'scrypt', N: 131072, r: 8, p: 1 } });
      expect(file.seed).toBeUndefined();
      const publicKey = Buffer.from(file.public_key as string, 'hex');
      expect(file.key_id).toBe(`keeper-${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`);
    });

    it('never opens the database or the data directory', () => {
      expect(existsSync(env.ARCHON72_DATA_DIR!)).toBe(false);
    });

    it('with --no-encrypt writes the seed in the clear and warns on stderr', () => {
      const result = runCli(['keeper', 'keygen', '--keeper', 'KEEPER:bob', '--out', at('bob.key'), '--no-encrypt', '--json'], env);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^WARNING: .*bob\.key holds the private key of KEEPER:bob UNENCRYPTED/);
      const printed = JSON.parse(result.stdout) as Record<string, string>;
      const file = JSON.parse(readFileSync(at('bob.key'), 'utf8')) as Record<string, string>;
      expect(printed).toEqual({ keeper_id: 'KEEPER:bob', key_id: file.key_id, public_key: file.public_key, file: at('bob.key'), encryption: 'none' });
      expect(file.encryption).toBe('none');
      expect(Buffer.from(file.seed ?? '', 'base64')).toHaveLength(32);
      expect(statSync(at('bob.key')).mode & 0o777).toBe(0o600);
    });

    it('refuses to overwrite an existing key file (exit 2), leaving it unchanged', () => {
      const before = readFileSync(at('alice.key'), 'utf8');
      const result = runCli(['keeper', 'keygen', '--keeper', 'KEEPER:alice', '--out', at('alice.key'), '--no-encrypt'], env);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/INPUT_FIELD_INVALID: .*alice\.key already exists; refusing to overwrite it/);
      expect(readFileSync(at('alice.key'), 'utf8')).toBe(before);
    });

    it('refuses a malformed keeper id (exit 2)', () => {
      const result = runCli(['keeper', 'keygen', '--keeper', 'alice', '--out', at('x.key'), '--no-encrypt'], env);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/INPUT_FIELD_INVALID: --keeper "alice" is not a keeper id/);
    });

    it('without a passphrase source and no terminal, says how to give one (exit 2) and writes nothing', () => {
      const result = runCli(['keeper', 'keygen', '--keeper', 'KEEPER:carol', '--out', at('carol.key')], env);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(
        'archon72: INPUT_FIELD_INVALID: no passphrase for the new key of KEEPER:carol: pass --passphrase-file PATH, set ARCHON72_KEEPER_PASSPHRASE, ' +
          'or run in a terminal to be asked (or --no-encrypt, for tests only)\n',
      );
      expect(existsSync(at('carol.key'))).toBe(false);
    });
  });

  describe('sign', () => {
    const keyring = () => {
      const key = keyFile();
      return new Keyring([
        { keyId: key.key_id as string, agentId: 'KEEPER:alice', publicKey: fromHex(key.public_key as string) as Uint8Array, activeFrom: '2026-01-01T00:00:00.000000Z', activeUntil: undefined },
      ]);
    };

    it('signs with the passphrase from the environment and prints a signed statement that verifies', () => {
      const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('alice.key')], { ...env, ARCHON72_KEEPER_PASSPHRASE: PASSPHRASE });
      expect(result.status, result.stderr).toBe(0);
      const document = JSON.parse(result.stdout) as unknown;
      expect(Object.keys(document as object)).toEqual(['statement', 'keeper_id', 'key_id', 'signature']);
      const signed = parseSignedStatement(document);
      expect(signed.statement).toEqual(JSON.parse(readFileSync(at('statement.json'), 'utf8')));
      expect(verifySignedStatement(signed, keyring(), '2026-06-01T00:00:00.000000Z', verifyEd25519Sodium).keyId).toBe(keyFile().key_id);
    });

    it('writes the signed statement to --out, reading the passphrase from --passphrase-file', () => {
      const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('alice.key'), '--passphrase-file', at('passphrase'), '--out', at('signed.json')], env);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^wrote the statement signed by KEEPER:alice/);
      const signed = parseSignedStatement(JSON.parse(readFileSync(at('signed.json'), 'utf8')));
      expect(verifySignedStatement(signed, keyring(), '2026-06-01T00:00:00.000000Z', verifyEd25519Sodium).keyId).toBe(keyFile().key_id);
    });

    it('signs with an unencrypted key without asking for a passphrase', () => {
      const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('bob.key')], env);
      expect(result.status, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as { keeper_id: string }).keeper_id).toBe('KEEPER:bob');
    });

    it('refuses a wrong passphrase with exit code 1, naming the file', () => {
      const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('alice.key')], { ...env, ARCHON72_KEEPER_PASSPHRASE: 'not it' });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(`archon72: CUSTODY_PASSPHRASE_INCORRECT: ${at('alice.key')}: passphrase incorrect, or the file was altered\n`);
      expect(result.stdout).toBe('');
    });

    it('without a passphrase source and no terminal, says how to give one (exit 2)', () => {
      const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('alice.key')], env);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/INPUT_FIELD_INVALID: no passphrase for KEEPER:alice's key .*alice\.key: pass --passphrase-file PATH, set ARCHON72_KEEPER_PASSPHRASE, or run in a terminal to be asked\n$/);
    });

    describe('when the input is bad', () => {
      const cases: Array<[string, string, RegExp]> = [
        ['a statement that is not JSON', '{"type":', /^archon72: INPUT_INVALID_JSON: statement file .*bad\.json is not valid JSON/],
        ['a statement that is an array', '[{"type":"a.b"}]', /^archon72: INPUT_FIELD_INVALID: .*bad\.json: statement must be a JSON object/],
        ['a statement without a type', '{"ceremony_id":"x"}', /^archon72: INPUT_FIELD_INVALID: .*bad\.json: statement\.type must be a string/],
      ];
      it.each(cases)('refuses %s with exit code 2 and one line', (_name, content, expected) => {
        writeFileSync(at('bad.json'), content);
        const result = runCli(['keeper', 'sign', at('bad.json'), '--key', at('bob.key')], env);
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(expected);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      });

      it('refuses statement bytes that are not UTF-8', () => {
        writeFileSync(at('bad.json'), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
        const result = runCli(['keeper', 'sign', at('bad.json'), '--key', at('bob.key')], env);
        expect(result.status).toBe(2);
        expect(result.stderr).toMatch(/INPUT_INVALID_JSON: statement file .* is not valid UTF-8/);
      });
    });

    describe('when the key file is bad', () => {
      it('refuses a key file other users can read (exit 1, chmod 600)', () => {
        chmodSync(at('bob.key'), 0o644);
        try {
          const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('bob.key')], env);
          expect(result.status).toBe(1);
          expect(result.stderr).toMatch(/CUSTODY_KEY_FILE_INVALID: .*bob\.key: .*chmod 600/);
        } finally {
          chmodSync(at('bob.key'), 0o600);
        }
      });

      it('refuses a key file whose public key was swapped (bound into the encryption)', () => {
        const altered = { ...keyFile() };
        const bob = JSON.parse(readFileSync(at('bob.key'), 'utf8')) as Record<string, string>;
        writeFileSync(at('swapped.key'), JSON.stringify({ ...altered, public_key: bob.public_key, key_id: bob.key_id }), { mode: 0o600 });
        const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('swapped.key'), '--passphrase-file', at('passphrase')], env);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/CUSTODY_PASSPHRASE_INCORRECT: .*swapped\.key: passphrase incorrect, or the file was altered/);
      });

      it('refuses a missing key file (exit 1)', () => {
        const result = runCli(['keeper', 'sign', at('statement.json'), '--key', at('nope.key')], env);
        expect(result.status).toBe(1);
        expect(result.stderr).toMatch(/CUSTODY_KEY_NOT_FOUND: .*nope\.key: no such keeper key file/);
      });
    });

    it('never opened the database or the data directory', () => {
      expect(existsSync(env.ARCHON72_DATA_DIR!)).toBe(false);
    });
  });
});
