import { ed25519 } from '@noble/curves/ed25519.js';

/**
 * Verifies an Ed25519 signature (RFC 8032). Returns false, never throws, for any malformed input.
 * Implementations must be strict: reject non-canonical S (S ≥ L) and encodings that do not decode.
 */
export type Ed25519Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/**
 * Pure-JavaScript strict verifier (RFC 8032 §5.1.7 cofactorless, no ZIP-215 leniency), usable in the
 * browser and the CLI. The server passes libsodium's faster verifier, which applies the same rules; the
 * shared test vectors hold both to the same answers.
 */
export const verifyEd25519Portable: Ed25519Verify = (signature, message, publicKey) => {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
};
