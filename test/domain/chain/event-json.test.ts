import { describe, expect, it } from 'vitest';
import { toEventJson } from '../../../src/domain/chain/event-json.js';
import { chainEventVectors, toStoredEvent } from '../load-vectors.js';

describe('toEventJson', () => {
  describe.each(chainEventVectors())('$description', (v) => {
    it('gives the protocol JSON of the vector, member for member', () => {
      const json = v.expected?.event ?? (undefined as never);
      expect(toEventJson(toStoredEvent(json))).toStrictEqual(json);
    });
  });

  describe('when serialised', () => {
    it('lists the members in protocol order', () => {
      const json = chainEventVectors()[0]?.expected?.event ?? (undefined as never);
      expect(Object.keys(toEventJson(toStoredEvent(json)))).toEqual([
        'sequence',
        'event_id',
        'event_type',
        'payload',
        'agent_id',
        'signing_key_id',
        'signature',
        'local_timestamp',
        'authority_timestamp',
        'prev_hash',
        'content_hash',
        'witness_id',
        'witness_signature',
      ]);
    });
  });
});
