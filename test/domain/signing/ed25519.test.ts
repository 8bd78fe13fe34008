import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { verifyEd25519Portable, type Ed25519Verify } from '../../../src/domain/signing/ed25519.js';
import { hexBytes, loadVectors } from '../load-vectors.js';

interface SignatureInput {
  publicKeyHex: string;
  messageHex: string;
  signatureHex: string;
}

const vectors = loadVectors<SignatureInput, boolean>('ed25519.json');
const verifiers: Array<[string, Ed25519Verify]> = [
  ['verifyEd25519Portable', verifyEd25519Portable],
  ['verifyEd25519Sodium', verifyEd25519Sodium],
];
const run = (verify: Ed25519Verify, input: SignatureInput): boolean =>
  verify(hexBytes(input.signatureHex), hexBytes(input.messageHex), hexBytes(input.publicKeyHex));

// Both verifiers must give the protocol's answer on every vector: RFC 8032 §7.1, every chain signature, flipped
// bits, non-canonical S, small-order and mixed-order points (test/vectors/ed25519.json).
describe.each(verifiers)('%s (test/vectors/ed25519.json)', (_name, verify) => {
  describe.each(vectors)('$description', (v) => {
    it(`answers ${String(v.expected)}`, () => {
      expect(run(verify, v.input)).toBe(v.expected);
    });
  });
});

describe('verifyEd25519Portable', () => {
  const valid = vectors.find((v) => v.expected === true) ?? (undefined as never);
  const [sig, msg, key] = [hexBytes(valid.input.signatureHex), hexBytes(valid.input.messageHex), hexBytes(valid.input.publicKeyHex)];

  describe('when the signature or key has the wrong length', () => {
    it('returns false for an empty signature and for a 33-byte key', () => {
      expect(verifyEd25519Portable(new Uint8Array(0), msg, key)).toBe(false);
      expect(verifyEd25519Portable(sig, msg, new Uint8Array(33))).toBe(false);
    });
  });

  describe('when given a signature noble made over the same message', () => {
    it('accepts it (Ed25519 signing is deterministic, so noble and libsodium agree byte for byte)', () => {
      const writer = loadVectors<{ kind: string; seedHex?: string }>('event-chain.json')[0]?.input.seedHex ?? '';
      const signature = ed25519.sign(msg, hexBytes(writer));
      expect(verifyEd25519Portable(signature, msg, ed25519.getPublicKey(hexBytes(writer)))).toBe(true);
    });
  });
});
