import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../encoding/bytes.js';

/**
 * Verifies an Ed25519 signature (RFC 8032). Returns false, never throws, for any malformed input.
 * Every implementation the project uses must give the same answer on every input; the rules are libsodium's
 * (docs/PROTOCOL.md §5): S canonical (S < L); A and R canonical encodings, neither of small order; and the
 * cofactorless equation [S]B = R + [k]A checked by comparing encodings.
 */
export type Ed25519Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;

/** Order of the prime subgroup, RFC 8032 §5.1: L = 2^252 + 27742317777372353535851937790883648493. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * Pure-JavaScript verifier with exactly libsodium's acceptance rules, usable in the browser and the CLI; the
 * server passes libsodium's faster verifier. test/vectors/ed25519.json holds both to the same answers, including
 * small-order and mixed-order R, small-order A and non-canonical S, which plain RFC 8032 verification (and
 * @noble/curves' cofactored check) would accept.
 */
export const verifyEd25519Portable: Ed25519Verify = (signature, message, publicKey) => {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const rBytes = signature.subarray(0, 32);
  const s = littleEndianToBigInt(signature.subarray(32));
  if (s >= L) return false; // RFC 8032 §5.1.7 step 1: reject non-canonical S
  try {
    // zip215 = false: strict decoding, non-canonical encodings (y ≥ p) are refused.
    const a = ed25519.Point.fromBytes(publicKey, false);
    const r = ed25519.Point.fromBytes(rBytes, false);
    if (a.isSmallOrder() || r.isSmallOrder()) return false;
    const k = littleEndianToBigInt(sha512(concatBytes(rBytes, publicKey, message))) % L;
    // Cofactorless: [S]B - [k]A must encode to exactly the R that was sent.
    const check = ed25519.Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
    return equalBytes(check.toBytes(), rBytes);
  } catch {
    return false;
  }
};

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

/** Compares two 32-byte point encodings. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
