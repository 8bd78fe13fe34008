import { describe, expect, it } from 'vitest';
import { toEventJson, toSubmissionJson } from '../../../src/domain/chain/event-json.js';
import { parseSubmission } from '../../../src/domain/chain/validate-submission.js';
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

describe('toSubmissionJson', () => {
  it('gives the submission members of the vector events, which parseSubmission reads back unchanged', () => {
    for (const v of chainEventVectors()) {
      const stored = toStoredEvent(v.expected?.event ?? (undefined as never));
      const json = toSubmissionJson(stored);
      expect(Object.keys(json)).toEqual(['event_id', 'event_type', 'payload', 'agent_id', 'signing_key_id', 'local_timestamp', 'signature']);
      const { event_id, event_type, payload, agent_id, signing_key_id, local_timestamp, signature } = v.expected?.event ?? (undefined as never);
      expect(json).toStrictEqual({ event_id, event_type, payload, agent_id, signing_key_id, local_timestamp, signature });
      expect(parseSubmission(json)).toEqual({
        eventId: stored.eventId,
        eventType: stored.eventType,
        payload: stored.payload,
        agentId: stored.agentId,
        signingKeyId: stored.signingKeyId,
        localTimestamp: stored.localTimestamp,
        signature: stored.signature,
      });
    }
  });
});
