import { hash } from 'node:crypto';
import { installSha256, type Sha256Implementation } from '../../domain/encoding/sha256.js';

/**
 * Node's native SHA-256 (OpenSSL's, through the one-shot crypto.hash, which skips the Hash object's overhead).
 * Strings are hashed as UTF-8, as the portable implementation does.
 */
export const nodeSha256: Sha256Implementation = {
  bytes(data) {
    const digest = hash('sha256', data, 'buffer') as unknown as Buffer;
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
  },
  hex: (data) => hash('sha256', data, 'hex'),
};

/** Installs nodeSha256 as the domain's SHA-256 in this thread (every Node composition root calls it first). */
export function useNodeSha256(): void {
  installSha256(nodeSha256);
}
