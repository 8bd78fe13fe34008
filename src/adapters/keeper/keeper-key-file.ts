import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { keyPairFromSeed, randomSeed, signEd25519 } from '../crypto/sodium-ed25519.js';
import { syncDirectory } from '../fs/sync-directory.js';
import { canonicalize } from '../../domain/chain/canonical-json.js';
import { fromBase64, fromHex, toBase64, toHex, utf8 } from '../../domain/encoding/bytes.js';
import { parseJsonBytes } from '../../domain/encoding/parse-json.js';
import { CustodyError, InputError } from '../../domain/errors.js';
import { isKeeperId } from '../../domain/signing/key.types.js';

/** The `format` member of every keeper key file this version writes and reads (docs/PROTOCOL.md §14.3). */
export const KEEPER_KEY_FORMAT = 'archon72-keeper-key/v1';

/** scrypt cost parameters (RFC 7914): N (a power of two), r, p. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** The cost keygen uses: N = 2^17, r = 8, p = 1 (128 MiB, about half a second). */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/** The public half of a keeper key, as keygen reports it and the registry stores it. */
export interface KeeperPublicKey {
  keeperId: string;
  /** `keeper-` + the first 16 hex digits of SHA-256(public key). */
  keyId: string;
  publicKey: Uint8Array;
}

/** A keeper key file read and checked, still locked when encrypted. */
export interface KeeperKeyFile extends KeeperPublicKey {
  path: string;
  encryption: 'scrypt-aes-256-gcm' | 'none';
  /** The checked private part; only unlockKeeperKey uses it. */
  readonly sealed: SealedSeed;
}

/** The private part of a key file, as read: the seed in the clear, or what is needed to decrypt it. */
export type SealedSeed =
  | { encryption: 'none'; header: KeyFileHeader; seed: Uint8Array }
  | { encryption: 'scrypt-aes-256-gcm'; header: KeyFileHeader; cost: ScryptCost; salt: Uint8Array; nonce: Uint8Array; ciphertext: Uint8Array };

/** The members bound into the AES-GCM additional data, as they appear in the file. */
export interface KeyFileHeader {
  format: string;
  keeper_id: string;
  key_id: string;
  public_key: string;
}

/** An unlocked keeper key: signs in this process only; the seed never leaves it. */
export interface KeeperSigner extends KeeperPublicKey {
  /** Detached Ed25519 signature of `message` (pure Ed25519, RFC 8032). */
  sign(message: Uint8Array): Uint8Array;
}

/** Options for writeKeeperKeyFile. */
export interface WriteKeeperKeyOptions {
  /** Lower scrypt cost, for tests only; keygen always uses DEFAULT_SCRYPT_COST. */
  scryptCost?: ScryptCost;
}

const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SEED_BYTES = 32;
/** Largest key file read: a real one is well under 1 KiB. */
const MAX_FILE_BYTES = 64 * 1024;
/** Largest scrypt memory (128·N·r bytes) a file may ask for: 1 GiB, i.e. N = 2^20 at r = 8. */
const MAX_SCRYPT_MEMORY = 2 ** 30;
const ENCRYPTED_MEMBERS = ['format', 'keeper_id', 'key_id', 'public_key', 'encryption', 'kdf', 'nonce', 'ciphertext'];
const PLAIN_MEMBERS = ['format', 'keeper_id', 'key_id', 'public_key', 'encryption', 'seed'];

/** The key id of a keeper public key: `keeper-` + the first 16 hex digits of hex(SHA-256(publicKey)). */
export function keeperKeyIdOf(publicKey: Uint8Array): string {
  return `keeper-${toHex(sha256(publicKey)).slice(0, 16)}`;
}

/**
 * Generates a keeper key and writes it to `path` (mode 0600, written to a temporary file and linked into place,
 * so a crash never leaves a half-written key and an existing file is never replaced). With a passphrase the
 * seed is encrypted with AES-256-GCM under an scrypt-derived key, with format, keeper_id, key_id and public_key
 * as additional authenticated data; with `undefined` the seed is stored in the clear (`encryption: "none"`).
 * Throws InputError INPUT_FIELD_INVALID for a malformed keeper id, an empty or non-Unicode passphrase, an
 * existing file or a path that cannot be written.
 */
export async function writeKeeperKeyFile(path: string, keeperId: string, passphrase: string | undefined, options: WriteKeeperKeyOptions = {}): Promise<KeeperPublicKey> {
  if (!isKeeperId(keeperId)) {
    throw inputError('keeper', `${JSON.stringify(keeperId)} is not a keeper id (KEEPER: then a letter or digit, then letters, digits, _ . -; at most 128 characters)`);
  }
  if (passphrase !== undefined) checkPassphrase(passphrase);
  const seed = randomSeed();
  const { publicKey } = keyPairFromSeed(seed);
  const keyId = keeperKeyIdOf(publicKey);
  const header = { format: KEEPER_KEY_FORMAT, keeper_id: keeperId, key_id: keyId, public_key: toHex(publicKey) };
  let file: Record<string, unknown>;
  if (passphrase === undefined) {
    file = { ...header, encryption: 'none', seed: toBase64(seed) };
  } else {
    const cost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
    const salt = randomBytes(SALT_BYTES);
    const nonce = randomBytes(NONCE_BYTES);
    const key = await deriveKey(passphrase, salt, cost);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(header));
    const ciphertext = Buffer.concat([cipher.update(seed), cipher.final(), cipher.getAuthTag()]);
    key.fill(0);
    file = {
      ...header,
      encryption: 'scrypt-aes-256-gcm',
      kdf: { name: 'scrypt', salt: toBase64(salt), N: cost.N, r: cost.r, p: cost.p },
      nonce: toBase64(nonce),
      ciphertext: toBase64(ciphertext),
    };
  }
  seed.fill(0);
  writeNewFile(path, `${JSON.stringify(file, null, 2)}\n`);
  return { keeperId, keyId, publicKey };
}

/**
 * Reads and checks a keeper key file without unlocking it. Refuses, naming the file and the problem: a missing
 * file (CUSTODY_KEY_NOT_FOUND); a file other users can read (CUSTODY_KEY_FILE_INVALID, "chmod 600"); anything
 * that is not a keeper key file of this format: not JSON, another format, a member missing, unknown or of the
 * wrong length, a key_id that does not match public_key, scrypt parameters out of range (CUSTODY_KEY_FILE_INVALID).
 */
export function readKeeperKeyFile(path: string): KeeperKeyFile {
  const bytes = readPrivateFile(path);
  const invalid = (problem: string) => new CustodyError({ code: 'CUSTODY_KEY_FILE_INVALID', message: `${path}: ${problem}`, details: { path } });
  let json: unknown;
  try {
    json = parseJsonBytes(bytes, 'the key file');
  } catch {
    throw invalid('not a keeper key file: not valid UTF-8 JSON');
  }
  return { path, ...parseKeyFile(json, invalid) };
}

/**
 * Unlocks a key file read by readKeeperKeyFile. `passphrase` is needed when the file is encrypted and ignored
 * otherwise. Throws CustodyError CUSTODY_PASSPHRASE_INCORRECT when decryption fails ("passphrase incorrect, or the
 * file was altered": AES-GCM cannot tell which), CUSTODY_KEY_INVALID when the seed does not produce the recorded
 * public key (another curve's key, or corruption), InputError INPUT_FIELD_INVALID when an encrypted file gets no
 * passphrase.
 */
export async function unlockKeeperKey(file: KeeperKeyFile, passphrase: string | undefined): Promise<KeeperSigner> {
  const { sealed, path } = file;
  let seed: Uint8Array;
  if (sealed.encryption === 'none') {
    seed = sealed.seed;
  } else {
    if (passphrase === undefined) throw inputError('passphrase', `${path} is encrypted; a passphrase is needed to unlock it`);
    const key = await deriveKey(passphrase, sealed.salt, sealed.cost);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(sealed.header));
      decipher.setAuthTag(sealed.ciphertext.subarray(SEED_BYTES));
      seed = Buffer.concat([decipher.update(sealed.ciphertext.subarray(0, SEED_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new CustodyError({ code: 'CUSTODY_PASSPHRASE_INCORRECT', message: `${path}: passphrase incorrect, or the file was altered`, details: { path }, cause });
    } finally {
      key.fill(0);
    }
  }
  const { publicKey, secretKey } = keyPairFromSeed(seed);
  if (sealed.encryption !== 'none') seed.fill(0);
  // The public key bound into the AES-GCM additional data (or, unencrypted, the one recorded) must be the seed's.
  if (toHex(publicKey) !== sealed.header.public_key) {
    throw new CustodyError({
      code: 'CUSTODY_KEY_INVALID',
      message: `${path}: the seed does not produce the recorded public key (not an Ed25519 key of this file, or the file is corrupted)`,
      details: { path },
    });
  }
  return { keeperId: file.keeperId, keyId: file.keyId, publicKey, sign: (message) => signEd25519(secretKey, message) };
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing. The file is attacker-controlled (it may have been swapped or edited): every member is checked.

function parseKeyFile(json: unknown, invalid: (problem: string) => CustodyError): Omit<KeeperKeyFile, 'path'> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid('not a keeper key file: not a JSON object');
  const f = json as Record<string, unknown>;
  if (f.format !== KEEPER_KEY_FORMAT) throw invalid(`unknown format ${JSON.stringify(f.format)}; expected "${KEEPER_KEY_FORMAT}"`);
  if (typeof f.keeper_id !== 'string' || !isKeeperId(f.keeper_id)) throw invalid('keeper_id must be KEEPER:{name}');
  const publicKey = typeof f.public_key === 'string' ? fromHex(f.public_key) : undefined;
  if (publicKey === undefined) throw invalid('public_key must be lowercase hex');
  if (publicKey.length !== 32) throw invalid(`public_key must be 32 bytes (an Ed25519 key), found ${publicKey.length}`);
  const keyId = keeperKeyIdOf(publicKey);
  if (f.key_id !== keyId) throw invalid(`key_id ${JSON.stringify(f.key_id)} does not match public_key (expected ${keyId})`);
  const header: KeyFileHeader = { format: KEEPER_KEY_FORMAT, keeper_id: f.keeper_id, key_id: keyId, public_key: f.public_key as string };
  const base = { keeperId: f.keeper_id, keyId, publicKey };
  if (f.encryption === 'none') {
    requireMembers(f, PLAIN_MEMBERS, invalid);
    const seed = bytesMember(f, 'seed', invalid);
    if (seed.length !== SEED_BYTES) throw invalid(`seed must be 32 bytes (an Ed25519 seed), found ${seed.length}`);
    return { ...base, encryption: 'none', sealed: { encryption: 'none', header, seed } };
  }
  if (f.encryption !== 'scrypt-aes-256-gcm') throw invalid(`unknown encryption ${JSON.stringify(f.encryption)}; expected "scrypt-aes-256-gcm" or "none"`);
  requireMembers(f, ENCRYPTED_MEMBERS, invalid);
  const { cost, salt } = parseKdf(f.kdf, invalid);
  const nonce = bytesMember(f, 'nonce', invalid);
  if (nonce.length !== NONCE_BYTES) throw invalid(`nonce must be ${NONCE_BYTES} bytes, found ${nonce.length}`);
  const ciphertext = bytesMember(f, 'ciphertext', invalid);
  if (ciphertext.length !== SEED_BYTES + TAG_BYTES) {
    throw invalid(`ciphertext must be ${SEED_BYTES + TAG_BYTES} bytes (a 32-byte seed and a 16-byte tag), found ${ciphertext.length}`);
  }
  return { ...base, encryption: 'scrypt-aes-256-gcm', sealed: { encryption: 'scrypt-aes-256-gcm', header, cost, salt, nonce, ciphertext } };
}

function parseKdf(kdf: unknown, invalid: (problem: string) => CustodyError): { cost: ScryptCost; salt: Uint8Array } {
  if (kdf === null || typeof kdf !== 'object' || Array.isArray(kdf)) throw invalid('kdf must be an object');
  const k = kdf as Record<string, unknown>;
  requireMembers(k, ['name', 'salt', 'N', 'r', 'p'], (problem) => invalid(`kdf: ${problem}`));
  if (k.name !== 'scrypt') throw invalid(`kdf.name must be "scrypt", found ${JSON.stringify(k.name)}`);
  const salt = bytesMember(k, 'salt', (problem) => invalid(`kdf.${problem}`));
  if (salt.length < SALT_BYTES) throw invalid(`kdf.salt must be at least ${SALT_BYTES} bytes, found ${salt.length}`);
  const { N, r, p } = k;
  const isWhole = (n: unknown, max: number): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= max;
  // Bounded so an altered file cannot make the reader allocate unbounded memory or spin for hours.
  if (!isWhole(N, 2 ** 20) || N < 2 || (N & (N - 1)) !== 0) throw invalid('kdf.N must be a power of two from 2 to 2^20');
  if (!isWhole(r, 32) || !isWhole(p, 16)) throw invalid('kdf.r must be 1–32 and kdf.p 1–16');
  if (128 * N * r > MAX_SCRYPT_MEMORY) throw invalid('kdf asks for more than 1 GiB of scrypt memory (128·N·r)');
  return { cost: { N, r, p }, salt };
}

function requireMembers(f: Record<string, unknown>, members: string[], invalid: (problem: string) => CustodyError): void {
  const missing = members.find((m) => f[m] === undefined);
  if (missing !== undefined) throw invalid(`member ${missing} is missing`);
  const extra = Object.keys(f).find((m) => !members.includes(m));
  if (extra !== undefined) throw invalid(`unexpected member ${extra}`);
}

function bytesMember(f: Record<string, unknown>, name: string, invalid: (problem: string) => CustodyError): Uint8Array {
  const bytes = typeof f[name] === 'string' ? fromBase64(f[name]) : undefined;
  if (bytes === undefined) throw invalid(`${name} must be padded standard base64`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------------
// Crypto and files

/** AES-GCM additional data: UTF8(JCS({ format, keeper_id, key_id, public_key })). Altering any of them fails decryption. */
function additionalData(header: KeyFileHeader): Uint8Array {
  return utf8(canonicalize({ format: header.format, keeper_id: header.keeper_id, key_id: header.key_id, public_key: header.public_key }));
}

/** scrypt(UTF8(NFC(passphrase)), salt, N, r, p) → 32 bytes. NFC so the same passphrase typed on any system unlocks. */
async function deriveKey(passphrase: string, salt: Uint8Array, cost: ScryptCost): Promise<Buffer> {
  checkPassphrase(passphrase);
  // Node refuses scrypt needing more than maxmem; allow exactly what N, r and p need (RFC 7914: 128·r·(N + p + 2)).
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 128 * cost.r * (cost.N + cost.p + 2) + 2 ** 20 };
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  try {
    return await new Promise<Buffer>((resolve, reject) => scryptCallback(secret, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));
  } finally {
    secret.fill(0);
  }
}

function checkPassphrase(passphrase: string): void {
  if (passphrase === '') throw inputError('passphrase', 'the passphrase is empty');
  if (!passphrase.isWellFormed()) throw inputError('passphrase', 'the passphrase is not valid Unicode');
}

function readPrivateFile(path: string): Buffer {
  const notFound = (cause: unknown) => new CustodyError({ code: 'CUSTODY_KEY_NOT_FOUND', message: `${path}: no such keeper key file`, details: { path }, cause });
  const invalid = (problem: string, cause?: unknown) => new CustodyError({ code: 'CUSTODY_KEY_FILE_INVALID', message: `${path}: ${problem}`, details: { path }, cause });
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(err);
    throw invalid(`cannot read it: ${(err as Error).message}`, err);
  }
  if (!stat.isFile()) throw invalid('not a regular file');
  if ((stat.mode & 0o077) !== 0) throw invalid(`other users can read or write it (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
  if (stat.size > MAX_FILE_BYTES) throw invalid(`${stat.size} bytes, too large for a keeper key file`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalid(`cannot read it: ${(err as Error).message}`, err);
  }
}

/**
 * Writes `text` to a new file at `path`, mode 0600: into a temporary file in the same directory first, fsynced, then
 * hard-linked to `path`. link(2) fails if `path` exists, so an existing key is never replaced, even by a race.
 */
function writeNewFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o600);
  } catch (err) {
    throw inputError('out', `cannot write ${path}: ${(err as Error).message}`, err);
  }
  try {
    try {
      fchmodSync(fd, 0o600); // the umask can only narrow the mode; make it exact anyway
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    placeNewFile(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw inputError('out', `${path} already exists; refusing to overwrite it`, err);
    throw inputError('out', `cannot write ${path}: ${(err as Error).message}`, err);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDirectory(dirname(path));
}

/** Gives the finished temporary file its name without replacing anything. */
function placeNewFile(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    // A filesystem without hard links: check, then rename. This narrows the race but cannot close it.
    if (existsSync(path)) throw Object.assign(new Error(`${path} exists`), { code: 'EEXIST' });
    renameSync(tmp, path);
  }
}

function inputError(field: string, message: string, cause?: unknown): InputError {
  return new InputError({ code: 'INPUT_FIELD_INVALID', message, details: { field }, cause });
}
