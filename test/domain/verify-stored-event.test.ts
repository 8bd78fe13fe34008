import { describe, expect, it } from 'vitest';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { verifyEd25519Portable, type Ed25519Verify } from '../../src/domain/signing/ed25519.js';
import { Keyring } from '../../src/domain/signing/keyring.js';
import { verifyStoredEvent } from '../../src/domain/verify-stored-event.js';
import { expectCode } from '../support/expect-code.js';
import { chainEventVectors, chainKeys, errorClassFor, loadVectors, toChainLink, toStoredEvent, type LinkJson } from './load-vectors.js';
import type { EventJson } from '../../src/domain/chain/event-json.js';

const keyring = new Keyring(chainKeys());
const verifiers: Array<[string, Ed25519Verify]> = [
  ['verifyEd25519Portable', verifyEd25519Portable],
  ['verifyEd25519Sodium', verifyEd25519Sodium],
];
const negative = loadVectors<{ prev: LinkJson | null; event: EventJson }, { contentHash: string }>('event-chain-negative.json');

describe.each(verifiers)('verifyStoredEvent with %s', (_name, verify) => {
  describe('when given the chain of test/vectors/event-chain.json', () => {
    it.each(chainEventVectors().map((v) => [v.description, v] as const))('accepts %s', (_d, v) => {
      const event = toStoredEvent(v.expected?.event ?? (undefined as never));
      expect(() => verifyStoredEvent(toChainLink(v.input.prev), event, keyring, verify)).not.toThrow();
    });
  });

  // test/vectors/event-chain-negative.json: each vector breaks one rule, in the order docs/PROTOCOL.md §7 checks them.
  describe.each(negative)('when $description', (v) => {
    const run = () => verifyStoredEvent(toChainLink(v.input.prev), toStoredEvent(v.input.event), keyring, verify);
    if (v.expectedError === undefined) {
      it('accepts the event', () => {
        expect(v.input.event.content_hash).toBe(v.expected?.contentHash);
        expect(run).not.toThrow();
      });
    } else {
      const code = v.expectedError;
      it(`throws ${code}`, () => {
        expectCode(run, errorClassFor(code), code);
      });
    }
  });
});
