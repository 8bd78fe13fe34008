import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { keyPairFromSeed, signEd25519 } from '../../src/adapters/crypto/sodium-ed25519.js';
import { canonicalize } from '../../src/domain/chain/canonical-json.js';
import { contentHashObject, signedBodyObject } from '../../src/domain/chain/content-hash.js';
import { parseSubmission } from '../../src/domain/chain/validate-submission.js';
import { toBase64, toHex } from '../../src/domain/encoding/bytes.js';
import { Keyring } from '../../src/domain/signing/keyring.js';
import { eventSignatureMessage, witnessSignatureMessage } from '../../src/domain/signing/messages.js';
import { selectWitness } from '../../src/domain/witness/select-witness.js';
import { chainEventVectors, chainKeys, hexBytes, loadVectors, toStoredEvent, type KeyVectorInput } from './load-vectors.js';

const keyVectors = loadVectors<KeyVectorInput | { kind: 'event' }, { publicKeyHex: string }>('event-chain.json').filter(
  (v): v is typeof v & { input: KeyVectorInput } => v.input.kind === 'key',
);
const seedOf = (keyId: string): Uint8Array => hexBytes(keyVectors.find((k) => k.input.keyId === keyId)?.input.seedHex ?? '');
const keyring = new Keyring(chainKeys());

// test/vectors/event-chain.json: fixed keys, then a chain of stored events with every intermediate value.
describe('event chain (test/vectors/event-chain.json)', () => {
  describe.each(keyVectors)('$description', (v) => {
    it('derives the vector public key from the seed, in libsodium and in noble', () => {
      expect(toHex(keyPairFromSeed(hexBytes(v.input.seedHex)).publicKey)).toBe(v.expected?.publicKeyHex);
      expect(toHex(ed25519.getPublicKey(hexBytes(v.input.seedHex)))).toBe(v.expected?.publicKeyHex);
    });
  });

  describe.each(chainEventVectors())('$description', (v) => {
    const expected = v.expected ?? (undefined as never);
    const submission = parseSubmission({ ...v.input.body, signature: expected.agentSignature });
    const stored = toStoredEvent(expected.event);

    it('is a valid submission', () => {
      expect(submission.eventId).toBe(v.input.body.event_id);
    });

    it('has the vector signed-body canonical text and signature message', () => {
      expect(canonicalize(signedBodyObject(submission))).toBe(expected.signedBodyCanonical);
      expect(toHex(eventSignatureMessage(submission))).toBe(expected.eventSignatureMessageHex);
    });

    it('reproduces the agent signature from the seed (libsodium and noble agree)', () => {
      const message = eventSignatureMessage(submission);
      const seed = seedOf(submission.signingKeyId);
      expect(toBase64(signEd25519(keyPairFromSeed(seed).secretKey, message))).toBe(expected.agentSignature);
      expect(toBase64(ed25519.sign(message, seed))).toBe(expected.agentSignature);
    });

    it('has the vector content-hash input', () => {
      expect(canonicalize(contentHashObject(stored))).toBe(expected.contentHashInput);
    });

    it('selects the vector witness from the vector pool', () => {
      expect(keyring.witnessPoolAt(stored.authorityTimestamp, stored.agentId)).toEqual(expected.witnessPool);
      expect(selectWitness(expected.witnessPool, stored.prevHash, stored.sequence)).toBe(expected.witnessSelection.witnessId);
      expect(expected.witnessPool[expected.witnessSelection.index]).toBe(stored.witnessId);
    });

    it('reproduces the witness signature over the vector message', () => {
      const message = witnessSignatureMessage(stored.contentHash);
      expect(toHex(message)).toBe(expected.witnessSignatureMessageHex);
      const witnessKeyId = keyring.requireWitnessKey(stored.witnessId, stored.authorityTimestamp).keyId;
      expect(toBase64(ed25519.sign(message, seedOf(witnessKeyId)))).toBe(expected.witnessSignature);
    });
  });
});
