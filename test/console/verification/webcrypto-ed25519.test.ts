import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webCryptoEd25519, type Ed25519SubtleCrypto } from '../../../src/console/verification/webcrypto-ed25519.js';
import { hexBytes, loadVectors } from '../../domain/load-vectors.js';

interface SignatureInput {
  publicKeyHex: string;
  messageHex: string;
  signatureHex: string;
}

const vectors = loadVectors<SignatureInput, boolean>('ed25519.json');
const verify = webCryptoEd25519(webcrypto.subtle);
const run = (input: SignatureInput) => verify(hexBytes(input.signatureHex), hexBytes(input.messageHex), hexBytes(input.publicKeyHex));

// Node's WebCrypto (OpenSSL) behind libsodium's pre-equation rules must give the protocol's answer on every vector,
// as libsodium and the portable verifier do (test/domain/signing/ed25519.test.ts). Chromium: the e2e suite.
describe('webCryptoEd25519 on Node (test/vectors/ed25519.json)', () => {
  describe.each(vectors)('$description', (v) => {
    it(`answers ${String(v.expected)}`, async () => {
      await expect(run(v.input)).resolves.toBe(v.expected);
    });
  });
});

describe('webCryptoEd25519', () => {
  const valid = (vectors.find((v) => v.expected === true) ?? (undefined as never)).input;
  const [sig, msg, key] = [hexBytes(valid.signatureHex), hexBytes(valid.messageHex), hexBytes(valid.publicKeyHex)];
  const failing = (what: string): Ed25519SubtleCrypto => ({
    importKey: async () => (what === 'importKey' ? Promise.reject(new Error('NotSupportedError')) : {}),
    verify: async () => Promise.reject(new Error('OperationError')),
  });

  describe('when the encodings break libsodium’s rules', () => {
    it('answers false without asking the platform', async () => {
      let asked = false;
      const subtle: Ed25519SubtleCrypto = {
        importKey: async () => ((asked = true), {}),
        verify: async () => true,
      };
      await expect(webCryptoEd25519(subtle)(sig.subarray(0, 63), msg, key)).resolves.toBe(false);
      expect(asked).toBe(false);
    });
  });

  describe('when the platform throws (no Ed25519, a refused key)', () => {
    it('answers false instead of rejecting', async () => {
      await expect(webCryptoEd25519(failing('importKey'))(sig, msg, key)).resolves.toBe(false);
      await expect(webCryptoEd25519(failing('verify'))(sig, msg, key)).resolves.toBe(false);
    });
  });

  describe('when the inputs are views into larger buffers', () => {
    it('verifies exactly the viewed bytes', async () => {
      const padded = (bytes: Uint8Array) => {
        const buffer = new Uint8Array(bytes.length + 16).fill(0xee);
        buffer.set(bytes, 8);
        return buffer.subarray(8, 8 + bytes.length);
      };
      await expect(verify(padded(sig), padded(msg), padded(key))).resolves.toBe(true);
    });
  });
});
