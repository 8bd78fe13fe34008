import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../../../src/domain/errors.js';
import {
  formatAddCheckpointRequest,
  formatTreeSizeBody,
  MAX_CONSISTENCY_PROOF_LINES,
  parseAddCheckpointRequest,
  parseTreeSizeBody,
} from '../../../src/domain/note/add-checkpoint-request.js';
import { expectCode } from '../../support/expect-code.js';
import { hashArb, noteTextArb } from './note-arbitraries.js';

describe('formatAddCheckpointRequest', () => {
  it('round-trips through parseAddCheckpointRequest (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.array(hashArb, { maxLength: MAX_CONSISTENCY_PROOF_LINES }), noteTextArb, (oldSize, consistencyProof, checkpoint) => {
        expect(parseAddCheckpointRequest(formatAddCheckpointRequest({ oldSize, consistencyProof, checkpoint }))).toEqual({ oldSize, consistencyProof, checkpoint });
      }),
    );
  });

  describe('when the request cannot be sent', () => {
    it.each([
      ['a negative old size', { oldSize: -1, consistencyProof: [], checkpoint: 'c\n' }],
      ['a fractional old size', { oldSize: 0.5, consistencyProof: [], checkpoint: 'c\n' }],
      ['64 proof hashes', { oldSize: 1, consistencyProof: Array(64).fill(new Uint8Array(32)), checkpoint: 'c\n' }],
      ['a 33-byte hash', { oldSize: 1, consistencyProof: [new Uint8Array(33)], checkpoint: 'c\n' }],
    ])('throws INPUT_ADD_CHECKPOINT_MALFORMED for %s', (_, request) => {
      expectCode(() => formatAddCheckpointRequest(request), InputError, 'INPUT_ADD_CHECKPOINT_MALFORMED');
    });
  });
});

describe('formatTreeSizeBody', () => {
  it('round-trips through parseTreeSizeBody (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (size) => {
        expect(parseTreeSizeBody(formatTreeSizeBody(size))).toBe(size);
      }),
    );
  });
});
