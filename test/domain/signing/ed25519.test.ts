import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { ed25519EncodingsAcceptable, verifyEd25519Portable, type Ed25519Verify } from '../../../src/domain/signing/ed25519.js';
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

// libsodium's checks before the equation (docs/PROTOCOL.md §5.2 rules 1–4), on their own: what a WebCrypto verifier
// applies before asking the platform for the equation.
describe('ed25519EncodingsAcceptable', () => {
  const valid = vectors.find((v) => v.expected === true) ?? (undefined as never);
  const [sig, key] = [hexBytes(valid.input.signatureHex), hexBytes(valid.input.publicKeyHex)];
  const vector = (description: string): SignatureInput => (vectors.find((v) => v.description.startsWith(description)) ?? (undefined as never)).input;
  const acceptable = (input: SignatureInput): boolean => ed25519EncodingsAcceptable(hexBytes(input.signatureHex), hexBytes(input.publicKeyHex));

  it('accepts a valid signature and key', () => {
    expect(ed25519EncodingsAcceptable(sig, key)).toBe(true);
  });

  describe('when the signature or key has the wrong length (rule 1)', () => {
    it('returns false', () => {
      expect(ed25519EncodingsAcceptable(sig.subarray(0, 63), key)).toBe(false);
      expect(ed25519EncodingsAcceptable(sig, key.subarray(0, 31))).toBe(false);
    });
  });

  describe('when S is not below L (rule 2)', () => {
    it('returns false', () => {
      expect(acceptable(vector('event 1 signature with S replaced by S + L'))).toBe(false);
    });
  });

  describe('when A or R is not the canonical encoding of a point (rule 3)', () => {
    it('returns false for a key off the curve, a key with y ≥ p and an R with y ≥ p', () => {
      expect(acceptable(vector('public key that is not on the curve'))).toBe(false);
      expect(acceptable(vector('public key with y >= p'))).toBe(false);
      expect(acceptable(vector('R that is a non-canonical encoding of the identity'))).toBe(false);
    });
  });

  describe('when A or R is of small order (rule 4)', () => {
    it('returns false', () => {
      expect(acceptable(vector('small-order public key 01000000'))).toBe(false);
      expect(acceptable(vector('R of small order (identity)'))).toBe(false);
    });
  });

  describe('when only the equation (rule 5) fails', () => {
    it('returns true: the encodings are fine, the signature is still invalid', () => {
      for (const description of ['event 1 message with one bit flipped', 'R of mixed order', 'public key of mixed order (A + order-8 point)']) {
        expect(acceptable(vector(description))).toBe(true);
        expect(verifyEd25519Portable(hexBytes(vector(description).signatureHex), hexBytes(vector(description).messageHex), hexBytes(vector(description).publicKeyHex))).toBe(false);
      }
    });
  });
});
