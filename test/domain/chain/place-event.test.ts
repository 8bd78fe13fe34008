import { describe, expect, it } from 'vitest';
import { computeContentHash, GENESIS_PREV_HASH } from '../../../src/domain/chain/content-hash.js';
import { placeEvent } from '../../../src/domain/chain/place-event.js';
import { chainEventVectors, toSignedBody } from '../load-vectors.js';

describe('placeEvent', () => {
  describe.each(chainEventVectors())('$description', (v) => {
    it('assigns the vector sequence, prev_hash and content_hash', () => {
      const expected = v.expected ?? (undefined as never);
      const head = v.input.prev === null ? { sequence: 0, contentHash: GENESIS_PREV_HASH } : { sequence: v.input.prev.sequence, contentHash: v.input.prev.content_hash };
      const placed = placeEvent(head, { ...toSignedBody(v.input.body), signature: expected.agentSignature }, v.input.authority_timestamp);
      expect(placed.sequence).toBe(expected.event.sequence);
      expect(placed.prevHash).toBe(expected.event.prev_hash);
      expect(placed.authorityTimestamp).toBe(expected.event.authority_timestamp);
      expect(placed.contentHash).toBe(expected.contentHash);
    });
  });

  describe('when the log is empty', () => {
    it('places the submission at sequence 1 after the genesis hash, hashing what it returns', () => {
      const [first] = chainEventVectors();
      const submission = { ...toSignedBody(first?.input.body ?? (undefined as never)), signature: first?.expected?.agentSignature ?? '' };
      const placed = placeEvent({ sequence: 0, contentHash: GENESIS_PREV_HASH }, submission, '2026-02-10T09:00:00.123456Z');
      expect(placed).toMatchObject({ ...submission, sequence: 1, prevHash: GENESIS_PREV_HASH });
      const { contentHash, ...unhashed } = placed;
      expect(contentHash).toBe(computeContentHash(unhashed));
    });
  });
});
