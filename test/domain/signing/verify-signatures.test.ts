import { describe, expect, it } from 'vitest';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { SignatureError } from '../../../src/domain/errors.js';
import { verifyEd25519Portable } from '../../../src/domain/signing/ed25519.js';
import { Keyring } from '../../../src/domain/signing/keyring.js';
import { decodeSignature, verifyAgentSignature, verifyWitnessSignature } from '../../../src/domain/signing/verify-signatures.js';
import { expectCode } from '../../support/expect-code.js';
import { chainEventVectors, chainKeys, toStoredEvent } from '../load-vectors.js';

const keyring = new Keyring(chainKeys());
const event = toStoredEvent(chainEventVectors()[1]?.expected?.event ?? (undefined as never));
const agentKey = keyring.get(event.signingKeyId) ?? (undefined as never);
const witnessKeys = keyring.witnessKeysAt(event.witnessId, event.authorityTimestamp);
const otherKey = keyring.get('dev-agent-9-1') ?? (undefined as never);
/** Flips one bit in the first byte of a base64 signature, keeping it 64 canonical bytes. */
const flipped = (sig: string): string => {
  const bytes = Buffer.from(sig, 'base64');
  bytes[0] = (bytes[0] as number) ^ 1;
  return bytes.toString('base64');
};

describe.each([
  ['verifyEd25519Portable', verifyEd25519Portable],
  ['verifyEd25519Sodium', verifyEd25519Sodium],
])('with %s', (_name, verify) => {
  describe('verifyAgentSignature', () => {
    describe('when the signature verifies with the key', () => {
      it('returns', () => {
        expect(() => verifyAgentSignature(event, agentKey, verify)).not.toThrow();
      });
    });

    describe('when a bit of the signature is flipped', () => {
      it('throws SIG_INVALID', () => {
        expectCode(() => verifyAgentSignature({ ...event, signature: flipped(event.signature) }, agentKey, verify), SignatureError, 'SIG_INVALID');
      });
    });

    describe('when checked against another key', () => {
      it('throws SIG_INVALID', () => {
        expectCode(() => verifyAgentSignature(event, otherKey, verify), SignatureError, 'SIG_INVALID');
      });
    });

    describe('when the signed body changed', () => {
      it('throws SIG_INVALID', () => {
        expectCode(() => verifyAgentSignature({ ...event, localTimestamp: '2026-03-15T11:59:59.500001Z' }, agentKey, verify), SignatureError, 'SIG_INVALID');
      });
    });

    describe('when the signature is truncated', () => {
      it('throws SIG_MALFORMED', () => {
        const truncated = Buffer.from(event.signature, 'base64').subarray(0, 63).toString('base64');
        expectCode(() => verifyAgentSignature({ ...event, signature: truncated }, agentKey, verify), SignatureError, 'SIG_MALFORMED');
      });
    });
  });

  describe('verifyWitnessSignature', () => {
    describe('when the attestation verifies with the witness key', () => {
      it('returns', () => {
        expect(witnessKeys).toHaveLength(1);
        expect(() => verifyWitnessSignature(event, witnessKeys, verify)).not.toThrow();
      });
    });

    describe('when the witness held several keys and another one signed', () => {
      it('accepts a signature by any of them', () => {
        expect(() => verifyWitnessSignature(event, [otherKey, ...witnessKeys], verify)).not.toThrow();
      });
    });

    describe('when a bit of the attestation is flipped', () => {
      it('throws SIG_WITNESS_INVALID', () => {
        expectCode(() => verifyWitnessSignature({ ...event, witnessSignature: flipped(event.witnessSignature) }, witnessKeys, verify), SignatureError, 'SIG_WITNESS_INVALID');
      });
    });

    describe('when the witness had no key to check against', () => {
      it('throws SIG_WITNESS_INVALID', () => {
        expectCode(() => verifyWitnessSignature(event, [], verify), SignatureError, 'SIG_WITNESS_INVALID');
      });
    });

    describe('when the attestation is not base64', () => {
      it('throws SIG_MALFORMED', () => {
        expectCode(() => verifyWitnessSignature({ ...event, witnessSignature: 'not base64!' }, witnessKeys, verify), SignatureError, 'SIG_MALFORMED');
      });
    });
  });
});

describe('decodeSignature', () => {
  describe('when the text is 64 bytes of padded canonical base64', () => {
    it('returns the bytes', () => {
      expect(decodeSignature(event.signature, 'signature')).toEqual(new Uint8Array(Buffer.from(event.signature, 'base64')));
    });
  });

  describe('when it is not', () => {
    it.each([
      ['empty', ''],
      ['unpadded', event.signature.replace(/=+$/, '')],
      ['65 bytes', Buffer.alloc(65).toString('base64')],
      ['with a trailing newline', `${event.signature}\n`],
    ])('throws SIG_MALFORMED naming the field for %s', (_name, text) => {
      const err = expectCode(() => decodeSignature(text, 'witness_signature'), SignatureError, 'SIG_MALFORMED');
      expect(err.details).toEqual({ field: 'witness_signature' });
    });
  });
});
