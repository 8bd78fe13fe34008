import { ed25519EncodingsAcceptable } from '../../domain/signing/ed25519.js';

/**
 * Ed25519Verify's contract (docs/PROTOCOL.md §5.2, libsodium's rules), answered asynchronously as WebCrypto does:
 * resolves to true or false, never rejects.
 */
export type AsyncEd25519Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => Promise<boolean>;

/**
 * The two SubtleCrypto methods the verifier calls, typed structurally so that both the browser's `crypto.subtle`
 * and Node's `webcrypto.subtle` (in tests) fit without this file needing the DOM's or Node's type definitions.
 */
export interface Ed25519SubtleCrypto {
  importKey(format: 'raw', keyData: Uint8Array<ArrayBuffer>, algorithm: { name: 'Ed25519' }, extractable: boolean, keyUsages: ['verify']): Promise<unknown>;
  verify(algorithm: 'Ed25519', key: unknown, signature: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<boolean>;
}

/**
 * An AsyncEd25519Verify on WebCrypto with the server's strict rules. WebCrypto's Ed25519 (RFC 8032 / Secure Curves)
 * leaves open what libsodium refuses before its equation: Chromium, like BoringSSL and OpenSSL, accepts small-order
 * public keys, for instance. So libsodium's pre-equation rules run first (ed25519EncodingsAcceptable, the same
 * function the portable verifier uses) and the platform is asked only for the cofactorless equation, which it
 * computes as libsodium does. test/console/webcrypto-ed25519.e2e.test.ts holds Chromium to every vector of
 * test/vectors/ed25519.json. Any error of the platform (no Ed25519 support, a key it refuses) answers false.
 */
export function webCryptoEd25519(subtle: Ed25519SubtleCrypto): AsyncEd25519Verify {
  return async (signature, message, publicKey) => {
    if (!ed25519EncodingsAcceptable(signature, publicKey)) return false;
    try {
      // Copies: WebCrypto wants ArrayBuffer-backed views, and a caller's buffer may change while we await.
      const key = await subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
      return (await subtle.verify('Ed25519', key, new Uint8Array(signature), new Uint8Array(message))) === true;
    } catch {
      return false;
    }
  };
}
