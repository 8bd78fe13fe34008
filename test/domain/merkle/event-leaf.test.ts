import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../src/domain/encoding/bytes.js';
import { InputError, SignatureError } from '../../../src/domain/errors.js';
import { eventLeafHash, eventLeafInput, MERKLE_LEAF_DOMAIN } from '../../../src/domain/merkle/event-leaf.js';
import { leafHash } from '../../../src/domain/merkle/tree-hash.js';
import { expectCode } from '../../support/expect-code.js';

const event = { contentHash: 'ab'.repeat(32), witnessSignature: Buffer.alloc(64, 7).toString('base64'), witnessId: 'WITNESS:dev-01' };

describe('eventLeafInput', () => {
  it('is domain || 0x00 || content_hash || witness_signature || witness_id, in raw bytes', () => {
    const input = eventLeafInput(event);
    expect(input.length).toBe(MERKLE_LEAF_DOMAIN.length + 1 + 32 + 64 + 'WITNESS:dev-01'.length);
    expect(toHex(input)).toBe(toHex(utf8(MERKLE_LEAF_DOMAIN)) + '00' + 'ab'.repeat(32) + '07'.repeat(64) + toHex(utf8('WITNESS:dev-01')));
    expect(eventLeafHash(event)).toEqual(leafHash(input));
  });

  it('commits to the witness: another witness or attestation gives another leaf', () => {
    expect(eventLeafHash({ ...event, witnessId: 'WITNESS:dev-02' })).not.toEqual(eventLeafHash(event));
    expect(eventLeafHash({ ...event, witnessSignature: Buffer.alloc(64, 8).toString('base64') })).not.toEqual(eventLeafHash(event));
  });

  describe('when a stored row is malformed', () => {
    it('throws INPUT_FIELD_INVALID for a content_hash that is not 64 lowercase hex digits', () => {
      for (const contentHash of ['AB'.repeat(32), 'ab'.repeat(31), 'zz'.repeat(32)]) expectCode(() => eventLeafInput({ ...event, contentHash }), InputError, 'INPUT_FIELD_INVALID');
    });

    it('throws SIG_MALFORMED for a witness_signature that is not 64 bytes of canonical base64', () => {
      expectCode(() => eventLeafInput({ ...event, witnessSignature: Buffer.alloc(63).toString('base64') }), SignatureError, 'SIG_MALFORMED');
    });
  });
});
