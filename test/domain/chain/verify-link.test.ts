import { describe, expect, it } from 'vitest';
import { verifyContentHash, verifyLink } from '../../../src/domain/chain/verify-link.js';
import { ChainError, InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { chainEventVectors, toChainLink, toStoredEvent } from '../load-vectors.js';

const events = chainEventVectors().map((v) => toStoredEvent(v.expected?.event ?? (undefined as never)));
const [e1, e2, e3, e4] = events as [(typeof events)[0], (typeof events)[0], (typeof events)[0], (typeof events)[0]];

describe('verifyLink', () => {
  describe('when every chain vector follows its predecessor', () => {
    it.each(chainEventVectors().map((v, i) => [v.description, i] as const))('%s links', (_d, i) => {
      const v = chainEventVectors()[i];
      expect(() => verifyLink(toChainLink(v?.input.prev ?? null), events[i] ?? (undefined as never))).not.toThrow();
    });
  });

  describe('when the first event is not numbered 1', () => {
    it('throws CHAIN_SEQUENCE_GAP', () => {
      expectCode(() => verifyLink(undefined, { ...e1, sequence: 2 }), ChainError, 'CHAIN_SEQUENCE_GAP');
    });
  });

  describe('when the sequence skips or repeats', () => {
    it.each([
      ['skips one', 4],
      ['repeats', 2],
      ['goes back', 1],
    ])('throws CHAIN_SEQUENCE_GAP when it %s', (_name, sequence) => {
      expectCode(() => verifyLink(e2, { ...e3, sequence }), ChainError, 'CHAIN_SEQUENCE_GAP');
    });
  });

  describe('when the first event prev_hash is not 64 zeros', () => {
    it('throws CHAIN_PREV_HASH_MISMATCH', () => {
      expectCode(() => verifyLink(undefined, { ...e1, prevHash: 'f'.repeat(64) }), ChainError, 'CHAIN_PREV_HASH_MISMATCH');
    });
  });

  describe('when prev_hash differs from the predecessor content_hash', () => {
    it('throws CHAIN_PREV_HASH_MISMATCH', () => {
      expectCode(() => verifyLink(e2, { ...e3, prevHash: e1.contentHash }), ChainError, 'CHAIN_PREV_HASH_MISMATCH');
    });

    it('compares exactly (uppercase hex is a mismatch)', () => {
      expectCode(() => verifyLink(e2, { ...e3, prevHash: e2.contentHash.toUpperCase() }), ChainError, 'CHAIN_PREV_HASH_MISMATCH');
    });
  });

  describe('when authority time runs backwards', () => {
    it('throws CHAIN_TIMESTAMP_REGRESSION', () => {
      expectCode(() => verifyLink(e3, { ...e4, authorityTimestamp: '2026-05-31T23:59:59.999999Z' }), ChainError, 'CHAIN_TIMESTAMP_REGRESSION');
    });
  });

  describe('when authority time equals the predecessor (one batch)', () => {
    it('accepts the link', () => {
      expect(e4.authorityTimestamp).toBe(e3.authorityTimestamp);
      expect(() => verifyLink(e3, e4)).not.toThrow();
    });
  });
});

describe('verifyContentHash', () => {
  describe('when the stored content_hash is the recomputed one', () => {
    it.each(events.map((e) => [e.sequence, e] as const))('accepts event %i', (_s, event) => {
      expect(() => verifyContentHash(event)).not.toThrow();
    });
  });

  describe('when a hashed field was changed after hashing', () => {
    it('throws CHAIN_CONTENT_HASH_MISMATCH', () => {
      expectCode(() => verifyContentHash({ ...e2, payload: { ...e2.payload, title: 'x' } }), ChainError, 'CHAIN_CONTENT_HASH_MISMATCH');
    });
  });

  describe('when the payload cannot be canonicalised', () => {
    it('throws INPUT_PAYLOAD_INVALID', () => {
      expectCode(() => verifyContentHash({ ...e2, payload: { bad: '\ud800' } }), InputError, 'INPUT_PAYLOAD_INVALID');
    });
  });
});
