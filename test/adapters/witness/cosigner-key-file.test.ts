import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { COSIGNER_KEY_FORMAT, cosignerVkey, readCosignerKeyFile, writeCosignerKeyFile } from '../../../src/adapters/witness/cosigner-key-file.js';
import { toHex } from '../../../src/domain/encoding/bytes.js';
import { CustodyError, InputError } from '../../../src/domain/errors.js';
import { cosignatureKeyId } from '../../../src/domain/note/cosignature.js';
import { expectCode } from '../../support/expect-code.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cosigner-key-'));
  path = join(dir, 'key.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeCosignerKeyFile', () => {
  it('writes a 0600 key file that reads back as a working signer', () => {
    const written = writeCosignerKeyFile(path, 'witness.test/w1');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = readCosignerKeyFile(path);
    expect(key.name).toBe('witness.test/w1');
    expect(toHex(key.publicKey)).toBe(toHex(written.publicKey));
    expect(toHex(key.keyId)).toBe(toHex(cosignatureKeyId('witness.test/w1', written.publicKey)));
    const message = new TextEncoder().encode('m');
    expect(verifyEd25519Sodium(key.sign(message), message, key.publicKey)).toBe(true);
    const [name, id, material] = cosignerVkey(key).split(/\+(?=[0-9a-f]{8}\+)|(?<=\+[0-9a-f]{8})\+/);
    expect([name, id]).toEqual(['witness.test/w1', toHex(key.keyId)]);
    expect([...Buffer.from(material as string, 'base64')]).toEqual([0x04, ...key.publicKey]);
  });

  it('never overwrites an existing file (INPUT_FIELD_INVALID)', () => {
    writeCosignerKeyFile(path, 'w');
    const before = readFileSync(path, 'utf8');
    expectCode(() => writeCosignerKeyFile(path, 'w'), InputError, 'INPUT_FIELD_INVALID');
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it.each(['', 'a b', 'a+b', 'x'.repeat(257)])('refuses the name %j (INPUT_FIELD_INVALID)', (name) => {
    expectCode(() => writeCosignerKeyFile(path, name), InputError, 'INPUT_FIELD_INVALID');
  });

  it('refuses a path it cannot write (INPUT_FIELD_INVALID)', () => {
    expectCode(() => writeCosignerKeyFile(join(dir, 'missing', 'key.json'), 'w'), InputError, 'INPUT_FIELD_INVALID');
  });
});

describe('readCosignerKeyFile', () => {
  const rewrite = (change: (file: Record<string, unknown>) => unknown) => {
    writeCosignerKeyFile(path, 'witness.test/w1');
    const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify(change(file)), { mode: 0o600 });
  };

  it('throws CUSTODY_KEY_NOT_FOUND for a missing file', () => {
    expectCode(() => readCosignerKeyFile(path), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
  });

  it('throws CUSTODY_KEY_FILE_INVALID for a file others can read', () => {
    writeCosignerKeyFile(path, 'w');
    chmodSync(path, 0o644);
    expectCode(() => readCosignerKeyFile(path), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
  });

  it('throws CUSTODY_KEY_FILE_INVALID for a directory', () => {
    expectCode(() => readCosignerKeyFile(dir), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
  });

  it.each([
    ['not JSON', () => '{'],
    ['another format', (f: Record<string, unknown>) => ({ ...f, format: 'archon72-keeper-key/v1' })],
    ['an unknown member', (f: Record<string, unknown>) => ({ ...f, passphrase: 'x' })],
    ['a name with a space', (f: Record<string, unknown>) => ({ ...f, name: 'a b' })],
    ['a renamed key (key_id no longer matches)', (f: Record<string, unknown>) => ({ ...f, name: 'witness.test/w2' })],
    ['a short seed', (f: Record<string, unknown>) => ({ ...f, seed: 'AAAA' })],
    ['a key_id that is not hex', (f: Record<string, unknown>) => ({ ...f, key_id: 'zz' })],
    ['an array', () => []],
  ])('throws CUSTODY_KEY_FILE_INVALID for %s', (_, change) => {
    rewrite(change as (f: Record<string, unknown>) => unknown);
    expectCode(() => readCosignerKeyFile(path), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
  });

  it('throws CUSTODY_KEY_INVALID when the seed is not the public key\u2019s', () => {
    const other = join(dir, 'other.json');
    writeCosignerKeyFile(other, 'witness.test/w1');
    const seed = (JSON.parse(readFileSync(other, 'utf8')) as { seed: string }).seed;
    rewrite((f) => ({ ...f, seed, format: COSIGNER_KEY_FORMAT }));
    expectCode(() => readCosignerKeyFile(path), CustodyError, 'CUSTODY_KEY_INVALID');
  });
});
