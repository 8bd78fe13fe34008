import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPairFromSeed, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import {
  DEFAULT_SCRYPT_COST,
  KEEPER_KEY_FORMAT,
  keeperKeyIdOf,
  readKeeperKeyFile,
  unlockKeeperKey,
  writeKeeperKeyFile,
  type ScryptCost,
} from '../../../src/adapters/keeper/keeper-key-file.js';
import { CustodyError, InputError, type AppError } from '../../../src/domain/errors.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { expectCode } from '../../support/expect-code.js';

/** Tests only: a cheap scrypt cost through the explicit option (keygen always uses DEFAULT_SCRYPT_COST). */
const CHEAP: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };
const PASS = 'correct horse battery staple';
const message = new TextEncoder().encode('archon72 keeper test message');

type KeyFileJson = Record<string, unknown> & { kdf?: Record<string, unknown> };

describe('keeper key files', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-keeper-'));
    path = join(dir, 'alice.key.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const readJson = (): KeyFileJson => JSON.parse(readFileSync(path, 'utf8')) as KeyFileJson;
  const rewrite = (change: (file: KeyFileJson) => KeyFileJson) => {
    const changed = change(readJson());
    rmSync(path);
    writeFileSync(path, JSON.stringify(changed), { mode: 0o600 });
  };
  const unlock = (passphrase: string | undefined) => unlockKeeperKey(readKeeperKeyFile(path), passphrase);
  /** The public key and key id of another, unrelated key. */
  const otherKey = () => {
    const publicKey = keyPairFromSeed(new Uint8Array(32).fill(9)).publicKey;
    return { public_key: Buffer.from(publicKey).toString('hex'), key_id: keeperKeyIdOf(publicKey) };
  };
  const namesFile = (err: AppError) => expect(err.message).toContain(path);

  describe('writeKeeperKeyFile with a passphrase', () => {
    it('writes an encrypted file, mode 0600, that unlocks and signs', async () => {
      const written = await writeKeeperKeyFile(path, 'KEEPER:alice', PASS, { scryptCost: CHEAP });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const file = readJson();
      expect(Object.keys(file)).toEqual(['format', 'keeper_id', 'key_id', 'public_key', 'encryption', 'kdf', 'nonce', 'ciphertext']);
      expect(file).toMatchObject({ format: KEEPER_KEY_FORMAT, keeper_id: 'KEEPER:alice', encryption: 'scrypt-aes-256-gcm', kdf: { name: 'scrypt', ...CHEAP } });
      expect(Buffer.from(file.kdf?.salt as string, 'base64')).toHaveLength(16);
      expect(Buffer.from(file.nonce as string, 'base64')).toHaveLength(12);
      expect(Buffer.from(file.ciphertext as string, 'base64')).toHaveLength(48);
      expect(file.public_key).toBe(Buffer.from(written.publicKey).toString('hex'));

      const signer = await unlock(PASS);
      expect(signer).toMatchObject({ keeperId: 'KEEPER:alice', keyId: written.keyId });
      expect(verifyEd25519Sodium(signer.sign(message), message, written.publicKey)).toBe(true);
    });

    it('derives the key id as keeper- and the first 16 hex digits of SHA-256(public key)', async () => {
      const { keyId, publicKey } = await writeKeeperKeyFile(path, 'KEEPER:alice', PASS, { scryptCost: CHEAP });
      expect(keyId).toBe(`keeper-${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`);
      expect(readJson().key_id).toBe(keyId);
    });

    it('uses N = 2^17, r = 8, p = 1 unless told otherwise', () => {
      expect(DEFAULT_SCRYPT_COST).toEqual({ N: 131072, r: 8, p: 1 });
    });

    it('leaves no temporary file behind', async () => {
      await writeKeeperKeyFile(path, 'KEEPER:alice', PASS, { scryptCost: CHEAP });
      expect(readdirSync(dir)).toEqual(['alice.key.json']);
    });

    it('unlocks with the same passphrase in another Unicode normalisation form (NFC)', async () => {
      await writeKeeperKeyFile(path, 'KEEPER:alice', 'caf\u00e9 cr\u00e8me', { scryptCost: CHEAP });
      await expect(unlock('cafe\u0301 cre\u0300me')).resolves.toMatchObject({ keeperId: 'KEEPER:alice' });
    });
  });

  describe('writeKeeperKeyFile without a passphrase', () => {
    it('writes the seed in the clear, marked encryption "none", mode 0600', async () => {
      const written = await writeKeeperKeyFile(path, 'KEEPER:bob', undefined);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const file = readJson();
      expect(Object.keys(file)).toEqual(['format', 'keeper_id', 'key_id', 'public_key', 'encryption', 'seed']);
      expect(file.encryption).toBe('none');
      const signer = await unlock(undefined);
      expect(verifyEd25519Sodium(signer.sign(message), message, written.publicKey)).toBe(true);
    });
  });

  describe('writeKeeperKeyFile refuses', () => {
    it('to overwrite an existing file, leaving it unchanged', async () => {
      writeFileSync(path, 'precious', { mode: 0o600 });
      const err = await expectRejection(writeKeeperKeyFile(path, 'KEEPER:alice', PASS, { scryptCost: CHEAP }), InputError, 'INPUT_FIELD_INVALID');
      expect(err.message).toMatch(/already exists/);
      expect(readFileSync(path, 'utf8')).toBe('precious');
      expect(readdirSync(dir)).toEqual(['alice.key.json']);
    });

    it('a path in a directory that does not exist', async () => {
      const err = await expectRejection(writeKeeperKeyFile(join(dir, 'no', 'k.json'), 'KEEPER:alice', undefined), InputError, 'INPUT_FIELD_INVALID');
      expect(err.message).toContain(join(dir, 'no', 'k.json'));
    });

    it.each(['alice', 'KEEPER:', 'WITNESS:alice', 'KEEPER:a b'])('the malformed keeper id %s', async (keeperId) => {
      await expectRejection(writeKeeperKeyFile(path, keeperId, PASS, { scryptCost: CHEAP }), InputError, 'INPUT_FIELD_INVALID');
    });

    it.each([
      ['an empty passphrase', ''],
      ['a passphrase with a lone surrogate', 'x\ud800'],
    ])('%s', async (_name, passphrase) => {
      await expectRejection(writeKeeperKeyFile(path, 'KEEPER:alice', passphrase, { scryptCost: CHEAP }), InputError, 'INPUT_FIELD_INVALID');
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  describe('reading an encrypted file', () => {
    beforeEach(async () => {
      await writeKeeperKeyFile(path, 'KEEPER:alice', PASS, { scryptCost: CHEAP });
    });

    it('reports the public half without a passphrase', () => {
      const file = readKeeperKeyFile(path);
      expect(file).toMatchObject({ path, keeperId: 'KEEPER:alice', encryption: 'scrypt-aes-256-gcm' });
      expect(file.keyId).toBe(keeperKeyIdOf(file.publicKey));
    });

    it('refuses a wrong passphrase with CUSTODY_PASSPHRASE_INCORRECT', async () => {
      const err = await expectRejection(unlock('wrong horse'), CustodyError, 'CUSTODY_PASSPHRASE_INCORRECT');
      expect(err.message).toBe(`${path}: passphrase incorrect, or the file was altered`);
    });

    it('asks for a passphrase when none is given', async () => {
      namesFile(await expectRejection(unlock(undefined), InputError, 'INPUT_FIELD_INVALID'));
    });

    describe('when the file was altered', () => {
      it.each<[string, (f: KeyFileJson) => KeyFileJson]>([
        ['public key and key id swapped for another key (bound as additional data)', (f) => ({ ...f, ...otherKey() })],
        ['keeper_id changed (bound as additional data)', (f) => ({ ...f, keeper_id: 'KEEPER:mallory' })],
        ['a ciphertext bit flipped', (f) => ({ ...f, ciphertext: flipFirstBit(f.ciphertext as string) })],
        ['the nonce changed', (f) => ({ ...f, nonce: flipFirstBit(f.nonce as string) })],
        ['the salt changed', (f) => ({ ...f, kdf: { ...f.kdf, salt: flipFirstBit(f.kdf?.salt as string) } })],
        ['the scrypt cost changed', (f) => ({ ...f, kdf: { ...f.kdf, N: 2 ** 11 } })],
      ])('refuses %s with CUSTODY_PASSPHRASE_INCORRECT', async (_name, change) => {
        rewrite(change);
        namesFile(await expectRejection(unlock(PASS), CustodyError, 'CUSTODY_PASSPHRASE_INCORRECT'));
      });
    });
  });

  describe('reading a file in the clear', () => {
    beforeEach(async () => {
      await writeKeeperKeyFile(path, 'KEEPER:alice', undefined);
    });

    it('refuses a seed that does not produce the recorded public key (wrong curve or corrupted) with CUSTODY_KEY_INVALID', async () => {
      rewrite((f) => ({ ...f, ...otherKey() }));
      const err = await expectRejection(unlock(undefined), CustodyError, 'CUSTODY_KEY_INVALID');
      expect(err.message).toMatch(/seed does not produce the recorded public key/);
      namesFile(err);
    });

    it.each([
      ['16 bytes', 16],
      ['31 bytes', 31],
      ['33 bytes', 33],
      ['64 bytes (a libsodium secret key instead of a seed)', 64],
    ])('refuses a seed of %s', (_name, n) => {
      rewrite((f) => ({ ...f, seed: Buffer.alloc(n, 1).toString('base64') }));
      const err = expectCode(() => readKeeperKeyFile(path), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
      expect(err.message).toMatch(/seed must be 32 bytes/);
      namesFile(err);
    });
  });

  describe('readKeeperKeyFile refuses', () => {
    beforeEach(async () => {
      await writeKeeperKeyFile(path, 'KEEPER:alice', PASS, { scryptCost: CHEAP });
    });

    it.each([0o644, 0o640, 0o604, 0o660])('a file with mode %o, saying chmod 600', (mode) => {
      chmodSync(path, mode);
      const err = expectCode(() => readKeeperKeyFile(path), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
      expect(err.message).toMatch(/chmod 600/);
      namesFile(err);
    });

    it('a missing file with CUSTODY_KEY_NOT_FOUND', () => {
      const missing = join(dir, 'nope.json');
      expect(expectCode(() => readKeeperKeyFile(missing), CustodyError, 'CUSTODY_KEY_NOT_FOUND').message).toBe(`${missing}: no such keeper key file`);
    });

    it('a directory', () => {
      const sub = join(dir, 'sub');
      mkdirSync(sub, { mode: 0o700 });
      expectCode(() => readKeeperKeyFile(sub), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
    });

    it.each<[string, string | Buffer]>([
      ['text that is not JSON', 'not json'],
      ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
      ['a JSON array', '[]'],
    ])('%s', (_name, content) => {
      rmSync(path);
      writeFileSync(path, content, { mode: 0o600 });
      namesFile(expectCode(() => readKeeperKeyFile(path), CustodyError, 'CUSTODY_KEY_FILE_INVALID'));
    });

    it.each<[string, (f: KeyFileJson) => KeyFileJson, RegExp]>([
      ['an unknown format', (f) => ({ ...f, format: 'archon72-keeper-key/v2' }), /unknown format "archon72-keeper-key\/v2"/],
      ['a development key file', (f) => ({ key_id: f.key_id, agent_id: f.keeper_id, public_key: f.public_key, seed: 'AAAA' }), /unknown format undefined/],
      ['a malformed keeper_id', (f) => ({ ...f, keeper_id: 'alice' }), /keeper_id/],
      ['a 33-byte public key (another curve)', (f) => ({ ...f, public_key: `02${f.public_key as string}` }), /public_key must be 32 bytes/],
      ['a 31-byte public key', (f) => ({ ...f, public_key: (f.public_key as string).slice(2) }), /public_key must be 32 bytes/],
      ['an uppercase hex public key', (f) => ({ ...f, public_key: (f.public_key as string).toUpperCase() }), /public_key must be lowercase hex/],
      ['a public key changed without its key id', (f) => ({ ...f, public_key: otherKey().public_key }), /key_id .* does not match public_key/],
      ['an unknown encryption', (f) => ({ ...f, encryption: 'rot13' }), /unknown encryption "rot13"/],
      ['a missing nonce', (f) => ({ ...f, nonce: undefined }), /member nonce is missing/],
      ['an unexpected member', (f) => ({ ...f, seed: 'AAAA' }), /unexpected member seed/],
      ['a nonce of 16 bytes', (f) => ({ ...f, nonce: Buffer.alloc(16).toString('base64') }), /nonce must be 12 bytes/],
      ['a ciphertext without its tag', (f) => ({ ...f, ciphertext: Buffer.from(f.ciphertext as string, 'base64').subarray(0, 32).toString('base64') }), /ciphertext must be 48 bytes/],
      // A '-' is base64url's 62nd digit; a random ciphertext's own base64url form may happen to contain none.
      ['a ciphertext in base64url', (f) => ({ ...f, ciphertext: `-${(f.ciphertext as string).slice(1)}` }), /ciphertext must be padded standard base64/],
      ['a kdf that is not an object', (f) => ({ ...f, kdf: 'scrypt' as unknown as Record<string, unknown> }), /kdf must be an object/],
      ['a kdf other than scrypt', (f) => ({ ...f, kdf: { ...f.kdf, name: 'pbkdf2' } }), /kdf.name must be "scrypt"/],
      ['a kdf member missing', (f) => ({ ...f, kdf: { ...f.kdf, p: undefined } }), /kdf: member p is missing/],
      ['a short salt', (f) => ({ ...f, kdf: { ...f.kdf, salt: Buffer.alloc(8).toString('base64') } }), /kdf.salt must be at least 16 bytes/],
      ['N not a power of two', (f) => ({ ...f, kdf: { ...f.kdf, N: 1000 } }), /kdf.N must be a power of two/],
      ['N of 2^21', (f) => ({ ...f, kdf: { ...f.kdf, N: 2 ** 21 } }), /kdf.N must be a power of two/],
      ['N as a string', (f) => ({ ...f, kdf: { ...f.kdf, N: '1024' } }), /kdf.N must be a power of two/],
      ['r of 0', (f) => ({ ...f, kdf: { ...f.kdf, r: 0 } }), /kdf.r must be 1–32/],
      ['more than 1 GiB of scrypt memory', (f) => ({ ...f, kdf: { ...f.kdf, N: 2 ** 20, r: 16 } }), /more than 1 GiB/],
    ])('%s', (_name, change, expected) => {
      rewrite(change);
      const err = expectCode(() => readKeeperKeyFile(path), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
      expect(err.message).toMatch(expected);
      namesFile(err);
    });
  });
});

function flipFirstBit(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] as number) ^ 1;
  return bytes.toString('base64');
}
