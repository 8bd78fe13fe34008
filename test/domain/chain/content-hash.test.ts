import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeContentHash, contentHashObject, contentHashText, GENESIS_PREV_HASH, signedBodyObject } from '../../../src/domain/chain/content-hash.js';
import { canonicalize, type JsonObject } from '../../../src/domain/chain/canonical-json.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { chainEventVectors, toStoredEvent } from '../load-vectors.js';
import type { PlacedEvent } from '../../../src/domain/chain/event.types.js';

const stored = toStoredEvent(chainEventVectors()[1]?.expected?.event ?? (undefined as never));
const { contentHash: _hash, witnessId: _w, witnessSignature: _ws, ...placed } = stored;

describe('GENESIS_PREV_HASH', () => {
  it('is 64 zeros', () => {
    expect(GENESIS_PREV_HASH).toBe('0'.repeat(64));
  });
});

describe('signedBodyObject', () => {
  describe('when given a stored event', () => {
    it('keeps exactly the six signed members, under their protocol names', () => {
      expect(signedBodyObject(stored)).toEqual({
        agent_id: stored.agentId,
        event_id: stored.eventId,
        event_type: stored.eventType,
        local_timestamp: stored.localTimestamp,
        payload: stored.payload,
        signing_key_id: stored.signingKeyId,
      });
    });
  });
});

describe('contentHashObject', () => {
  describe('when given a stored event', () => {
    it('binds the signed body, the signature and the place, but not the hash or the attestation', () => {
      expect(Object.keys(contentHashObject(stored)).sort()).toEqual([
        'agent_id',
        'authority_timestamp',
        'event_id',
        'event_type',
        'local_timestamp',
        'payload',
        'prev_hash',
        'sequence',
        'signature',
        'signing_key_id',
      ]);
    });
  });
});

describe('computeContentHash', () => {
  describe('when given the event a vector describes', () => {
    it('gives the vector content_hash', () => {
      expect(computeContentHash(placed)).toBe(stored.contentHash);
    });
  });

  describe('when one bound field changes', () => {
    const changes: Array<[string, Partial<PlacedEvent>]> = [
      ['eventId', { eventId: '018f3a00-0000-7000-8000-0000000000ff' }],
      ['eventType', { eventType: 'motion.withdrawn' }],
      ['payload', { payload: { ...placed.payload, extra: true } }],
      ['agentId', { agentId: 'agent-other' }],
      ['signingKeyId', { signingKeyId: 'dev-other' }],
      ['localTimestamp', { localTimestamp: '2026-03-15T11:59:59.500001Z' }],
      ['signature', { signature: `A${placed.signature.slice(1)}` }],
      ['sequence', { sequence: placed.sequence + 1 }],
      ['prevHash', { prevHash: GENESIS_PREV_HASH }],
      ['authorityTimestamp', { authorityTimestamp: '2026-03-15T12:00:00.000002Z' }],
    ];
    it.each(changes)('changes when %s changes', (_field, change) => {
      expect(computeContentHash({ ...placed, ...change })).not.toBe(stored.contentHash);
    });
  });

  describe('when the payload cannot be canonicalised', () => {
    it('throws INPUT_PAYLOAD_INVALID', () => {
      expectCode(() => computeContentHash({ ...placed, payload: { n: Number.NaN } }), InputError, 'INPUT_PAYLOAD_INVALID');
    });
  });
});

describe('contentHashText', () => {
  describe('when given any placed event', () => {
    it('is byte for byte the JCS text of contentHashObject', () => {
      const text = fc.string({ unit: 'binary', maxLength: 40 });
      const placedEvent = fc.record({
        eventId: text,
        eventType: text,
        payload: fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })) as fc.Arbitrary<JsonObject>,
        agentId: text,
        signingKeyId: text,
        localTimestamp: text,
        signature: text,
        sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        prevHash: text,
        authorityTimestamp: text,
      });
      fc.assert(
        fc.property(placedEvent, (event) => {
          expect(contentHashText(event)).toBe(canonicalize(contentHashObject(event)));
        }),
      );
    });
  });

  describe('when a member cannot be canonicalised', () => {
    it('names it by its protocol path', () => {
      expect(() => contentHashText({ ...placed, payload: { a: Number.NaN } })).toThrow('$.payload.a is not a finite number');
      expect(() => contentHashText({ ...placed, agentId: '\ud800' })).toThrow('$.agent_id contains a lone UTF-16 surrogate');
    });
  });
});
