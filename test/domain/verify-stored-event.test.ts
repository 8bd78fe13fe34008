import { describe, expect, it } from 'vitest';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { verifyEd25519Portable, type Ed25519Verify } from '../../src/domain/signing/ed25519.js';
import { Keyring } from '../../src/domain/signing/keyring.js';
import { EVENT_CHECKS, verifyStoredEvent, type EventCheckId } from '../../src/domain/verify-stored-event.js';
import type { ErrorCode } from '../../src/domain/errors.js';
import { expectCode } from '../support/expect-code.js';
import { chainEventVectors, chainKeys, errorClassFor, loadVectors, toChainLink, toStoredEvent, type LinkJson } from './load-vectors.js';
import type { EventJson } from '../../src/domain/chain/event-json.js';
import { keyPairFromSeed, signEd25519 } from '../../src/adapters/crypto/sodium-ed25519.js';
import { eventSignatureMessage, witnessSignatureMessage } from '../../src/domain/signing/messages.js';
import { placeEvent } from '../../src/domain/chain/place-event.js';
import { toBase64 } from '../../src/domain/encoding/bytes.js';

const keyring = new Keyring(chainKeys());
// The vectors are signed by development keys (ids dev-…), so the development policy accepts them.
const DEV = { allowDevelopmentKeys: true };
const verifiers: Array<[string, Ed25519Verify]> = [
  ['verifyEd25519Portable', verifyEd25519Portable],
  ['verifyEd25519Sodium', verifyEd25519Sodium],
];
const negative = loadVectors<{ prev: LinkJson | null; event: EventJson }, { contentHash: string }>('event-chain-negative.json');

describe.each(verifiers)('verifyStoredEvent with %s', (_name, verify) => {
  describe('when given the chain of test/vectors/event-chain.json', () => {
    it.each(chainEventVectors().map((v) => [v.description, v] as const))('accepts %s', (_d, v) => {
      const event = toStoredEvent(v.expected?.event ?? (undefined as never));
      expect(() => verifyStoredEvent(toChainLink(v.input.prev), event, keyring, verify, DEV)).not.toThrow();
    });
  });

  // test/vectors/event-chain-negative.json: each vector breaks one rule, in the order docs/PROTOCOL.md §7 checks them.
  describe.each(negative)('when $description', (v) => {
    const run = () => verifyStoredEvent(toChainLink(v.input.prev), toStoredEvent(v.input.event), keyring, verify, DEV);
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

describe('verifyStoredEvent under a production policy', () => {
  const PRODUCTION = { allowDevelopmentKeys: false };
  const [first, second] = chainEventVectors();
  const e1 = toStoredEvent(first?.expected?.event ?? (undefined as never));
  const e2 = toStoredEvent(second?.expected?.event ?? (undefined as never));

  it('refuses an event whose agent key is a development key, naming the key', () => {
    const err = expectCode(() => verifyStoredEvent(undefined, e1, keyring, verifyEd25519Sodium, PRODUCTION), errorClassFor('SIG_DEVELOPMENT_KEY'), 'SIG_DEVELOPMENT_KEY');
    expect(err.message).toContain(e1.signingKeyId);
    expect(err.details).toMatchObject({ role: 'agent', sequence: 1 });
  });

  it('refuses an event whose witness key is a development key, even when the agent key is not', () => {
    const at = '2026-03-01T00:00:00.000000Z';
    const agent = keyPairFromSeed(new Uint8Array(32).fill(1));
    const witness = keyPairFromSeed(new Uint8Array(32).fill(2));
    const keys = [
      { agentId: 'SYSTEM:TEST', keyId: 'hsm-01', publicKey: agent.publicKey, activeFrom: '2026-01-01T00:00:00.000000Z', activeUntil: undefined },
      { agentId: 'WITNESS:w', keyId: 'dev-0000000000000002', publicKey: witness.publicKey, activeFrom: '2026-01-01T00:00:00.000000Z', activeUntil: undefined },
    ];
    const body = { eventId: '00000000-0000-4000-8000-000000000001', eventType: 'test.event', payload: {}, agentId: 'SYSTEM:TEST', signingKeyId: 'hsm-01', localTimestamp: at };
    const signature = toBase64(signEd25519(agent.secretKey, eventSignatureMessage(body)));
    const placed = placeEvent({ sequence: 0, contentHash: '0'.repeat(64) }, { ...body, signature }, at);
    const event = { ...placed, witnessId: 'WITNESS:w', witnessSignature: toBase64(signEd25519(witness.secretKey, witnessSignatureMessage(placed.contentHash))) };
    const ring = new Keyring(keys);
    expect(() => verifyStoredEvent(undefined, event, ring, verifyEd25519Sodium, { allowDevelopmentKeys: true })).not.toThrow();
    const err = expectCode(() => verifyStoredEvent(undefined, event, ring, verifyEd25519Sodium, PRODUCTION), errorClassFor('SIG_DEVELOPMENT_KEY'), 'SIG_DEVELOPMENT_KEY');
    expect(err.details).toMatchObject({ role: 'witness', keyId: 'dev-0000000000000002' });
  });
});

describe('EVENT_CHECKS', () => {
  it('lists the checks of docs/PROTOCOL.md §7.1 in order, each with a label', () => {
    expect(EVENT_CHECKS.map((c) => c.id)).toEqual(['chain-link', 'content-hash', 'agent-signature', 'witness-selection', 'witness-signature']);
    expect(EVENT_CHECKS.every((c) => c.label !== '')).toBe(true);
  });

  // Which check owns each code: what a report that lists the checks one by one (the observer console) shows.
  const owner: Partial<Record<ErrorCode, readonly EventCheckId[]>> = {
    CHAIN_SEQUENCE_GAP: ['chain-link'],
    CHAIN_PREV_HASH_MISMATCH: ['chain-link'],
    CHAIN_TIMESTAMP_REGRESSION: ['chain-link'],
    CHAIN_CONTENT_HASH_MISMATCH: ['content-hash'],
    INPUT_PAYLOAD_INVALID: ['content-hash'],
    SIG_KEY_UNKNOWN: ['agent-signature', 'witness-signature'],
    SIG_KEY_AGENT_MISMATCH: ['agent-signature'],
    SIG_KEY_INACTIVE: ['agent-signature'],
    SIG_INVALID: ['agent-signature'],
    SIG_MALFORMED: ['agent-signature', 'witness-signature'],
    SIG_WITNESS_NOT_SELECTED: ['witness-selection'],
    WITNESS_POOL_EMPTY: ['witness-selection'],
    SIG_WITNESS_INVALID: ['witness-signature'],
  };
  describe.each(negative.filter((v) => v.expectedError !== undefined))('when $description', (v) => {
    it(`fails first in the check that owns ${v.expectedError}`, () => {
      const context = { prev: toChainLink(v.input.prev), event: toStoredEvent(v.input.event), keyring, verify: verifyEd25519Portable, policy: DEV };
      const failing = EVENT_CHECKS.find((check) => {
        try {
          check.run(context);
          return false;
        } catch {
          return true;
        }
      });
      expect(owner[v.expectedError as ErrorCode]).toContain(failing?.id);
    });
  });
});
