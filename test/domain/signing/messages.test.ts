import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/domain/encoding/bytes.js';
import { InputError } from '../../../src/domain/errors.js';
import { eventSignatureMessage, SIGNATURE_DOMAINS, witnessSignatureMessage } from '../../../src/domain/signing/messages.js';
import { expectCode } from '../../support/expect-code.js';
import { chainEventVectors, toSignedBody } from '../load-vectors.js';

describe('SIGNATURE_DOMAINS', () => {
  it('gives each signature purpose its own prefix', () => {
    expect(SIGNATURE_DOMAINS).toEqual({ event: 'archon72/event-signature/v1', witness: 'archon72/witness-attestation/v1' });
  });
});

describe('eventSignatureMessage', () => {
  describe.each(chainEventVectors())('$description', (v) => {
    it('is the domain prefix, 0x00 and the JCS bytes of the signed body', () => {
      expect(toHex(eventSignatureMessage(toSignedBody(v.input.body)))).toBe(v.expected?.eventSignatureMessageHex);
    });
  });

  describe('when payload members arrive in another order', () => {
    it('gives the same bytes', () => {
      const body = toSignedBody(chainEventVectors()[1]?.input.body ?? (undefined as never));
      const reordered = { ...body, payload: Object.fromEntries(Object.entries(body.payload).reverse()) };
      expect(eventSignatureMessage(reordered)).toEqual(eventSignatureMessage(body));
    });
  });
});

describe('witnessSignatureMessage', () => {
  describe.each(chainEventVectors())('$description', (v) => {
    it('is the domain prefix, 0x00 and the 32 raw bytes of content_hash', () => {
      expect(toHex(witnessSignatureMessage(v.expected?.contentHash ?? ''))).toBe(v.expected?.witnessSignatureMessageHex);
    });
  });

  describe('when content_hash is not 64 lowercase hex digits', () => {
    it.each([
      ['uppercase', 'AB'.repeat(32)],
      ['31 bytes', 'ab'.repeat(31)],
      ['33 bytes', 'ab'.repeat(33)],
      ['odd length', 'a'.repeat(63)],
      ['empty', ''],
    ])('throws INPUT_FIELD_INVALID for %s', (_name, hash) => {
      expectCode(() => witnessSignatureMessage(hash), InputError, 'INPUT_FIELD_INVALID');
    });
  });
});
