import { sha256 } from '../encoding/sha256.js';
import { concatBytes } from '../encoding/bytes.js';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** RFC 6962 §2.1 / RFC 9162 §2.1.1: the root of the empty tree is the hash of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** RFC 6962 §2.1: leaf hash = SHA-256(0x00 || leaf input). The 0x00 keeps a leaf from passing as a node. */
export function leafHash(leafInput: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, leafInput));
}

/** RFC 6962 §2.1: node hash = SHA-256(0x01 || left || right). Assumes two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // Built in place rather than with concatBytes: a verifier computes one per event.
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = NODE_PREFIX[0] as number;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/** Byte equality of two hashes (lengths included). Not constant-time: every hash here is public. */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
