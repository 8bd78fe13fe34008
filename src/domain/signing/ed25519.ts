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

type EdwardsPoint = InstanceType<typeof ed25519.Point>;

/**
 * What the equation of rule 5 needs from a signature and key that passed rules 1–4: A decoded, and S. R is not
 * needed decoded: the equation compares encodings, as libsodium does.
 */
interface AcceptableEncodings {
  a: EdwardsPoint;
  s: bigint;
}

/**
 * True when `signature` and `publicKey` pass libsodium's checks made before the verification equation
 * (docs/PROTOCOL.md §5.2 rules 1–4): a 64-byte signature and a 32-byte key; S < L; A and R strict, canonical
 * encodings (y < p, no ZIP-215 leniency) of curve points; neither A nor R of small order. Pure; never throws.
 * A verifier that gets the cofactorless equation (rule 5) from elsewhere, such as WebCrypto, applies this first:
 * general-purpose implementations accept some of what these rules refuse (small-order keys, non-canonical points).
 */
export function ed25519EncodingsAcceptable(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return decodeAcceptable(signature, publicKey) !== undefined;
}

/**
 * Pure-JavaScript verifier with exactly libsodium's acceptance rules, usable in the browser and the CLI; the
 * server passes libsodium's faster verifier. test/vectors/ed25519.json holds both to the same answers, including
 * small-order and mixed-order R, small-order A and non-canonical S, which plain RFC 8032 verification (and
 * @noble/curves' cofactored check) would accept.
 */
export const verifyEd25519Portable: Ed25519Verify = (signature, message, publicKey) => {
  // Rules 1–4 exactly as ed25519EncodingsAcceptable applies them: both call decodeAcceptable, which also hands
  // over A and S decoded, so the points are not decoded twice.
  const parts = decodeAcceptable(signature, publicKey);
  return parts !== undefined && cofactorlessEquationHolds(parts, signature.subarray(0, 32), message, publicKey);
};

/** The decoded A and S when rules 1–4 hold; undefined otherwise. The one place those rules are written. */
function decodeAcceptable(signature: Uint8Array, publicKey: Uint8Array): AcceptableEncodings | undefined {
  if (signature.length !== 64 || publicKey.length !== 32) return undefined;
  const s = littleEndianToBigInt(signature.subarray(32));
  if (s >= L) return undefined; // RFC 8032 §5.1.7 step 1: reject non-canonical S
  try {
    // zip215 = false: strict decoding, non-canonical encodings (y ≥ p) are refused.
    const a = ed25519.Point.fromBytes(publicKey, false);
    const r = ed25519.Point.fromBytes(signature.subarray(0, 32), false);
    if (a.isSmallOrder() || r.isSmallOrder()) return undefined;
    return { a, s };
  } catch {
    return undefined; // not a point, or not its canonical encoding
  }
}

/**
 * Rule 5, cofactorless: [S]B - [k]A must encode to exactly the R that was sent, k = SHA-512(R || A || M) mod L.
 * Cannot throw: S and k are below L, which is all multiplyUnsafe requires.
 */
function cofactorlessEquationHolds({ a, s }: AcceptableEncodings, rBytes: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const k = littleEndianToBigInt(sha512(concatBytes(rBytes, publicKey, message))) % L;
  const check = ed25519.Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
  return equalBytes(check.toBytes(), rBytes);
}

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
