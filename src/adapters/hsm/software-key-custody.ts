import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { keyPairFromSeed, randomSeed, signEd25519 } from '../crypto/sodium-ed25519.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../domain/encoding/bytes.js';
import { CustodyError } from '../../domain/errors.js';
import type { KeyCustody } from '../../app/ports.js';
import { DEV_KEY_PREFIX } from '../../domain/signing/key.types.js';


const KEY_ID = /^dev-[0-9a-f]{16}$/;

interface KeyFile {
  key_id: string;
  agent_id: string;
  public_key: string;
  seed: string;
}

/**
 * The development HSM: Ed25519 private keys as files under `<dataDir>/keys/` (directory 0700, files 0600), one
 * file per key. A key id is `dev-` + the first 16 hex digits of SHA-256(public key). Refuses key files that
 * other users can read, or whose seed does not produce the recorded public key.
 * Never for production: mode is DEVELOPMENT, and startup refuses it outside development environments.
 */
export function createSoftwareKeyCustody(dataDir: string): KeyCustody {
  const dir = join(dataDir, 'keys');
  const loaded = new Map<string, Buffer>();

  function pathOf(keyId: string): string {
    if (!KEY_ID.test(keyId)) {
      throw new CustodyError({ code: 'CUSTODY_KEY_NOT_FOUND', message: `${keyId} is not a development key id (dev- + 16 hex digits)` });
    }
    return join(dir, `${keyId}.json`);
  }

  function load(keyId: string): Buffer {
    const cached = loaded.get(keyId);
    if (cached) return cached;
    const path = pathOf(keyId);
    let text: string;
    try {
      if ((statSync(path).mode & 0o077) !== 0) {
        throw new CustodyError({ code: 'CUSTODY_KEY_FILE_INVALID', message: `${path} is readable by other users; chmod 600 it` });
      }
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err instanceof CustodyError) throw err;
      throw new CustodyError({ code: 'CUSTODY_KEY_NOT_FOUND', message: `development key ${keyId} not found in ${dir}`, cause: err });
    }
    const secretKey = parseKeyFile(text, keyId, path);
    loaded.set(keyId, secretKey);
    return secretKey;
  }

  return {
    mode: 'DEVELOPMENT',
    async generateKey(agentId) {
      const seed = randomSeed();
      const { publicKey, secretKey } = keyPairFromSeed(seed);
      const keyId = DEV_KEY_PREFIX + toHex(sha256(publicKey)).slice(0, 16);
      const file: KeyFile = { key_id: keyId, agent_id: agentId, public_key: toHex(publicKey), seed: toBase64(seed) };
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      // Write then rename: a crash never leaves a half-written key file under the real name.
      const path = pathOf(keyId);
      writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'w' });
      renameSync(`${path}.tmp`, path);
      loaded.set(keyId, secretKey);
      return { keyId, publicKey };
    },
    async hasKey(keyId) {
      try {
        load(keyId);
        return true;
      } catch (err) {
        if (err instanceof CustodyError && err.code === 'CUSTODY_KEY_NOT_FOUND') return false;
        throw err;
      }
    },
    async sign(keyId, message) {
      return signEd25519(load(keyId), message);
    },
    async signAll(requests) {
      return requests.map(({ keyId, message }) => signEd25519(load(keyId), message));
    },
    async close() {
      loaded.clear();
    },
  };
}

function parseKeyFile(text: string, keyId: string, path: string): Buffer {
  const invalid = (problem: string) => new CustodyError({ code: 'CUSTODY_KEY_FILE_INVALID', message: `${path}: ${problem}` });
  let file: Partial<KeyFile>;
  try {
    file = JSON.parse(text) as Partial<KeyFile>;
  } catch {
    throw invalid('not valid JSON');
  }
  const seed = typeof file.seed === 'string' ? fromBase64(file.seed) : undefined;
  const recorded = typeof file.public_key === 'string' ? fromHex(file.public_key) : undefined;
  if (file.key_id !== keyId) throw invalid(`key_id is ${String(file.key_id)}, expected ${keyId}`);
  if (seed === undefined || seed.length !== 32) throw invalid('seed must be 32 bytes of base64');
  if (recorded === undefined || recorded.length !== 32) throw invalid('public_key must be 32 bytes of hex');
  const { publicKey, secretKey } = keyPairFromSeed(seed);
  if (toHex(publicKey) !== file.public_key) throw invalid('seed does not produce the recorded public key');
  return secretKey;
}
