import { readFileSync, statSync } from 'node:fs';
import { keyPairFromSeed, randomSeed, signEd25519 } from '../crypto/sodium-ed25519.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../domain/encoding/bytes.js';
import { parseJsonBytes } from '../../domain/encoding/parse-json.js';
import { CustodyError, InputError } from '../../domain/errors.js';
import { cosignatureKeyId } from '../../domain/note/cosignature.js';
import { isValidKeyName } from '../../domain/note/signed-note.js';
import { writeFileAtomic } from './atomic-file.js';
import type { CosignerSigner } from '../../app/ports.js';

/** The `format` member of a cosigner key file (docs/PROTOCOL.md §16.4). */
export const COSIGNER_KEY_FORMAT = 'archon72-cosigner-key/v1';

const MEMBERS = ['format', 'name', 'public_key', 'key_id', 'seed'];
const MAX_FILE_BYTES = 64 * 1024;

/** The public half of a cosigner key, as keygen reports it and a log configures it (CHECKPOINT_COSIGNERS). */
export interface CosignerPublicKey {
  /** The cosigner's name: the key name of its cosignature lines. */
  name: string;
  /** Raw Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** SHA-256(name || 0x0A || 0x04 || public key)[:4]. */
  keyId: Uint8Array;
}

/** The vkey of a cosigner key (signed-note verifier key form): "<name>+<hex key ID>+<base64(0x04 || public key)>". */
export function cosignerVkey(key: CosignerPublicKey): string {
  return `${key.name}+${toHex(key.keyId)}+${toBase64(Uint8Array.of(0x04, ...key.publicKey))}`;
}

/**
 * Generates a cosigner key named `name` and writes it to `path`, mode 0600, atomically and never over an existing
 * file: JSON `{ format, name, public_key (base64), key_id (hex), seed (base64) }`. The seed is not encrypted: the
 * cosigner signs unattended; protect the file (and its backups) like any server key. Throws InputError
 * INPUT_FIELD_INVALID for a name that cannot be a note key name, an existing file or a path that cannot be written.
 */
export function writeCosignerKeyFile(path: string, name: string): CosignerPublicKey {
  if (!isValidKeyName(name) || name.length > 256) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `--name ${JSON.stringify(name)} must be a note key name: 1–256 characters, no spaces, no '+' (e.g. witness.example.org/w1)`, details: { field: 'name' } });
  }
  const seed = randomSeed();
  const { publicKey } = keyPairFromSeed(seed);
  const keyId = cosignatureKeyId(name, publicKey);
  const file = { format: COSIGNER_KEY_FORMAT, name, public_key: toBase64(publicKey), key_id: toHex(keyId), seed: toBase64(seed) };
  seed.fill(0);
  try {
    writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, exclusive: true });
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: exists ? `${path} already exists; refusing to overwrite it` : `cannot write ${path}: ${(err as Error).message}`, details: { field: 'out' }, cause: err });
  }
  return { name, publicKey, keyId };
}

/**
 * Reads a cosigner key file and returns its signer. Refuses, naming the file: a missing file
 * (CustodyError CUSTODY_KEY_NOT_FOUND); one other users can read or write, not a regular file, not this format, a
 * member missing, unknown or malformed, a key_id that is not the name's and key's (CUSTODY_KEY_FILE_INVALID); a
 * seed that does not give the recorded public key (CUSTODY_KEY_INVALID).
 */
export function readCosignerKeyFile(path: string): CosignerSigner & CosignerPublicKey {
  const invalid = (problem: string, cause?: unknown) => new CustodyError({ code: 'CUSTODY_KEY_FILE_INVALID', message: `${path}: ${problem}`, details: { path }, cause });
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CustodyError({ code: 'CUSTODY_KEY_NOT_FOUND', message: `${path}: no such cosigner key file`, details: { path }, cause: err });
    throw invalid(`cannot read it: ${(err as Error).message}`, err);
  }
  if (!stat.isFile()) throw invalid('not a regular file');
  if ((stat.mode & 0o077) !== 0) throw invalid(`other users can read or write it (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
  if (stat.size > MAX_FILE_BYTES) throw invalid('too large for a cosigner key file');
  let json: unknown;
  try {
    json = parseJsonBytes(readFileSync(path), 'the key file');
  } catch (err) {
    throw invalid('not valid UTF-8 JSON', err);
  }
  const f = (json ?? {}) as Record<string, unknown>;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || f.format !== COSIGNER_KEY_FORMAT) throw invalid(`not a cosigner key file of format ${COSIGNER_KEY_FORMAT}`);
  const extra = Object.keys(f).find((m) => !MEMBERS.includes(m));
  if (extra !== undefined) throw invalid(`unexpected member ${extra}`);
  const name = f.name;
  const publicKey = typeof f.public_key === 'string' ? fromBase64(f.public_key) : undefined;
  const seed = typeof f.seed === 'string' ? fromBase64(f.seed) : undefined;
  const keyId = typeof f.key_id === 'string' ? fromHex(f.key_id) : undefined;
  if (typeof name !== 'string' || !isValidKeyName(name)) throw invalid('name must be a note key name');
  if (publicKey?.length !== 32 || seed?.length !== 32) throw invalid('public_key and seed must be 32 bytes of padded base64');
  if (keyId === undefined || toHex(keyId) !== toHex(cosignatureKeyId(name, publicKey))) throw invalid('key_id is not SHA-256(name || 0x0A || 0x04 || public key)[:4] in hex');
  const pair = keyPairFromSeed(seed);
  seed.fill(0);
  if (toHex(pair.publicKey) !== toHex(publicKey)) {
    throw new CustodyError({ code: 'CUSTODY_KEY_INVALID', message: `${path}: the seed does not produce the recorded public key`, details: { path } });
  }
  return { name, publicKey, keyId, sign: (message) => signEd25519(pair.secretKey, message) };
}
