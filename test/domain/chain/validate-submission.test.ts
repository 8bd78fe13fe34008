import { describe, expect, it } from 'vitest';
import { parseSignedBody, parseSubmission } from '../../../src/domain/chain/validate-submission.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { chainEventVectors, toSignedBody } from '../load-vectors.js';

const vector = chainEventVectors()[1]?.expected ?? (undefined as never);
/** A valid HTTP-style body: event 2 of the chain vectors, in protocol member names. */
const valid: Record<string, unknown> = {
  event_id: vector.event.event_id,
  event_type: vector.event.event_type,
  payload: vector.event.payload,
  agent_id: vector.event.agent_id,
  signing_key_id: vector.event.signing_key_id,
  local_timestamp: vector.event.local_timestamp,
  signature: vector.event.signature,
};

function expectFieldError(input: unknown, field: string): void {
  const err = expectCode(() => parseSubmission(input), InputError, 'INPUT_FIELD_INVALID');
  expect(err.details).toEqual({ field });
}

describe('parseSubmission', () => {
  describe('when every field is valid', () => {
    it('returns the submission in domain names', () => {
      expect(parseSubmission(valid)).toEqual({ ...toSignedBody(vector.event), signature: vector.event.signature });
    });

    it('ignores members it does not know', () => {
      expect(parseSubmission({ ...valid, sequence: 99, extra: 'x' })).toEqual(parseSubmission(valid));
    });
  });

  describe('when the input is not a JSON object', () => {
    it.each([
      ['null', null],
      ['an array', [valid]],
      ['a string', JSON.stringify(valid)],
      ['a number', 1],
    ])('throws INPUT_FIELD_INVALID naming "event" for %s', (_name, input) => {
      expectFieldError(input, 'event');
    });
  });

  describe('when a required field is missing or not a string', () => {
    it.each(['event_id', 'event_type', 'agent_id', 'signing_key_id', 'local_timestamp', 'signature'])('throws INPUT_FIELD_INVALID naming %s', (field) => {
      expectFieldError({ ...valid, [field]: undefined }, field);
      expectFieldError({ ...valid, [field]: 42 }, field);
    });
  });

  describe('when event_id is not a lowercase UUID', () => {
    it.each([
      ['uppercase', String(valid.event_id).toUpperCase()],
      ['no dashes', String(valid.event_id).replaceAll('-', '')],
      ['braces', `{${String(valid.event_id)}}`],
      ['empty', ''],
    ])('throws INPUT_FIELD_INVALID for %s', (_name, eventId) => {
      expectFieldError({ ...valid, event_id: eventId }, 'event_id');
    });
  });

  describe('when event_type is not dot-separated lowercase words', () => {
    it.each(['Motion.proposed', 'motion..proposed', '.motion', 'motion.', '1motion', 'motion-proposed', 'motion.Proposed', ''])('throws INPUT_FIELD_INVALID for %j', (eventType) => {
      expectFieldError({ ...valid, event_type: eventType }, 'event_type');
    });

    it.each(['motion', 'motion.proposed', 'vote_2.cast_v1.final'])('accepts %j', (eventType) => {
      expect(parseSubmission({ ...valid, event_type: eventType }).eventType).toBe(eventType);
    });
  });

  describe('when an identifier breaks the identifier rule', () => {
    it.each([
      ['starts with a colon', ':agent'],
      ['contains a space', 'agent 7'],
      ['contains a slash', 'agent/7'],
      ['is empty', ''],
      ['is 129 characters', `a${'x'.repeat(128)}`],
      ['contains a non-ASCII letter', 'agént'],
    ])('throws INPUT_FIELD_INVALID for agent_id and signing_key_id that %s', (_name, id) => {
      expectFieldError({ ...valid, agent_id: id }, 'agent_id');
      expectFieldError({ ...valid, signing_key_id: id }, 'signing_key_id');
    });

    it.each(['SYSTEM:EVENT_WRITER', 'WITNESS:alpha', 'dev-3f2a.b_c', `a${'x'.repeat(127)}`])('accepts %s', (id) => {
      expect(parseSubmission({ ...valid, agent_id: id, signing_key_id: id })).toMatchObject({ agentId: id, signingKeyId: id });
    });
  });

  describe('when local_timestamp is not canonical', () => {
    it.each(['2026-03-15T11:59:59.500Z', '2026-02-30T00:00:00.000000Z', '2026-03-15T11:59:59.500000+00:00'])('throws INPUT_FIELD_INVALID for %s', (ts) => {
      expectFieldError({ ...valid, local_timestamp: ts }, 'local_timestamp');
    });
  });

  describe('when signature is not 64 bytes of padded canonical base64', () => {
    const sig = String(valid.signature);
    it.each([
      ['unpadded', sig.replace(/=+$/, '')],
      ['63 bytes', Buffer.from(sig, 'base64').subarray(0, 63).toString('base64')],
      ['65 bytes', Buffer.concat([Buffer.from(sig, 'base64'), Buffer.of(0)]).toString('base64')],
      ['URL-safe alphabet', Buffer.from(sig, 'base64').toString('base64url')],
      ['hex', Buffer.from(sig, 'base64').toString('hex')],
      ['unused bits set', `${sig.slice(0, 85)}B==`],
    ])('throws INPUT_FIELD_INVALID for %s', (_name, signature) => {
      expectFieldError({ ...valid, signature }, 'signature');
    });
  });

  describe('when the payload is invalid', () => {
    it('throws the payload error (checked after the identifying fields)', () => {
      expectCode(() => parseSubmission({ ...valid, payload: [] }), InputError, 'INPUT_PAYLOAD_NOT_OBJECT');
    });
  });
});

describe('parseSignedBody', () => {
  describe('when the signature is absent', () => {
    it('returns the signed body without one', () => {
      const { signature: _s, ...body } = valid;
      expect(parseSignedBody(body)).toEqual(toSignedBody(vector.event));
    });
  });

  describe('when the input is not an object', () => {
    it('throws INPUT_FIELD_INVALID naming "event"', () => {
      const err = expectCode(() => parseSignedBody('x'), InputError, 'INPUT_FIELD_INVALID');
      expect(err.details).toEqual({ field: 'event' });
    });
  });
});
