import { sha256 } from '../encoding/sha256.js';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);

/** RFC 6962 §2.1 / RFC 9162 §2.1.1: the root of the empty tree is the hash of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** RFC 6962 §2.1: leaf hash = SHA-256(0x00 || leaf input). The 0x00 keeps a leaf from passing as a node. */
export function leafHash(leafInput: Uint8Array): Uint8Array {
  const framed = new Uint8Array(1 + leafInput.length);
  framed.set(leafInput, 1);
  return leafHashOfFramed(framed);
}

/**
 * leafHash(framed[1..]), hashing `framed` in place: writes the 0x00 into framed[0]. For a caller that lays many
 * leaf inputs out in one reusable buffer, with a byte free in front (EncodedLeafHasher), so nothing is copied.
 */
export function leafHashOfFramed(framed: Uint8Array): Uint8Array {
  framed[0] = LEAF_PREFIX;
  return sha256(framed);
}

/** RFC 6962 §2.1: node hash = SHA-256(0x01 || left || right). Assumes two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // Laid out in one buffer kept for the purpose (sha256 returns before anyone else can use it): a verifier
  // computes one per event.
  const input = left.length === HASH_SIZE && right.length === HASH_SIZE ? nodeInput : new Uint8Array(1 + left.length + right.length);
  input[0] = NODE_PREFIX;
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
