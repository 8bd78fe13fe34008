import sodium from 'sodium-native';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';

/**
 * libsodium's Ed25519 (about twice as fast as Node's OpenSSL binding here). crypto_sign_verify_detached is
 * strict in the ways the protocol requires: it rejects non-canonical S, non-canonical and small-order public
 * keys and small-order R, so it never accepts what verifyEd25519Portable rejects (test/vectors hold both).
 */
export const verifyEd25519Sodium: Ed25519Verify = (signature, message, publicKey) => {
  if (signature.length !== sodium.crypto_sign_BYTES || publicKey.length !== sodium.crypto_sign_PUBLICKEYBYTES) return false;
  return sodium.crypto_sign_verify_detached(asBuffer(signature), asBuffer(message), asBuffer(publicKey));
};

/** Ed25519 key pair from a 32-byte seed: [publicKey (32 bytes), secretKey (64 bytes, seed || publicKey)]. */
export function keyPairFromSeed(seed: Uint8Array): { publicKey: Uint8Array; secretKey: Buffer } {
  const publicKey = Buffer.alloc(sodium.crypto_sign_PUBLICKEYBYTES);
  const secretKey = sodium.sodium_malloc(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, asBuffer(seed));
  return { publicKey: new Uint8Array(publicKey), secretKey };
}

/** 32 random bytes for a new key's seed. */
export function randomSeed(): Uint8Array {
  const seed = Buffer.alloc(sodium.crypto_sign_SEEDBYTES);
  sodium.randombytes_buf(seed);
  return new Uint8Array(seed);
}

/** Detached Ed25519 signature of `message` with a 64-byte libsodium secret key. */
export function signEd25519(secretKey: Buffer, message: Uint8Array): Uint8Array {
  const signature = Buffer.alloc(sodium.crypto_sign_BYTES);
  sodium.crypto_sign_detached(signature, asBuffer(message), secretKey);
  return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
