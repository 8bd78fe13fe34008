import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex } from './bytes.js';

/** A SHA-256 implementation. Strings are hashed as their UTF-8 encoding. */
export interface Sha256Implementation {
  /** The 32-byte digest. */
  bytes(data: Uint8Array | string): Uint8Array;
  /** The digest as 64 lowercase hex digits. */
  hex(data: Uint8Array | string): string;
}

const utf8Encoder = new TextEncoder();
const nobleBytes = (data: Uint8Array | string): Uint8Array => nobleSha256(typeof data === 'string' ? utf8Encoder.encode(data) : data);

/** The portable implementation (@noble/hashes): pure JavaScript, the same in Node and in every browser. */
export const portableSha256: Sha256Implementation = { bytes: nobleBytes, hex: (data) => toHex(nobleBytes(data)) };

let implementation: Sha256Implementation = portableSha256;

/**
 * SHA-256, for every hash the protocol defines (content hashes, Merkle nodes, note key ids, witness selection).
 * The domain names the algorithm, not the code that computes it: a composition root on a platform with a native
 * SHA-256 installs it (installSha256), which makes hashing several times faster there; the browser keeps the
 * portable one. Both compute the same function (test/domain/encoding/sha256.test.ts holds them to the NIST vectors
 * and to each other), so nothing a verifier decides depends on which one ran.
 */
export function sha256(data: Uint8Array | string): Uint8Array {
  return implementation.bytes(data);
}

/** sha256(data) as 64 lowercase hex digits. */
export function sha256Hex(data: Uint8Array | string): string {
  return implementation.hex(data);
}

/**
 * Makes sha256 and sha256Hex use `impl` from now on, in this thread (each worker thread installs its own). Refuses
 * an implementation that gets the NIST "abc" vector (FIPS 180-2 appendix B.1) wrong in either form, so a broken
 * native binding cannot silently change hashes. Returns the implementation it replaced.
 */
export function installSha256(impl: Sha256Implementation): Sha256Implementation {
  const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  if (impl.hex('abc') !== expected || toHex(impl.bytes(Uint8Array.of(0x61, 0x62, 0x63))) !== expected) {
    throw new Error('installSha256: the implementation does not compute SHA-256');
  }
  const previous = implementation;
  implementation = impl;
  return previous;
}
