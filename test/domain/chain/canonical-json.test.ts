import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/domain/chain/canonical-json.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

class Motion {
  title = 'x';
}

describe('canonicalize', () => {
  describe('when given a value JSON cannot represent', () => {
    it.each([
      ['undefined', undefined],
      ['a bigint', 1n],
      ['a function', () => 1],
      ['a symbol', Symbol('s')],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['a Date', new Date(0)],
      ['a Map', new Map()],
      ['a class instance', new Motion()],
      ['a boxed string', Object('s')],
    ])('throws INPUT_PAYLOAD_INVALID for %s', (_name, value) => {
      expectCode(() => canonicalize(value), InputError, 'INPUT_PAYLOAD_INVALID');
    });
  });

  describe('when the offending value is nested', () => {
    it('names its JSON path in details.path', () => {
      const err = expectCode(() => canonicalize({ motion: [1, { vote: undefined }] }), InputError, 'INPUT_PAYLOAD_INVALID');
      expect(err.details).toEqual({ path: '$.motion[1].vote' });
    });

    it('names the member whose name holds a lone surrogate', () => {
      const err = expectCode(() => canonicalize({ ok: { '\ud800': 1 } }), InputError, 'INPUT_PAYLOAD_INVALID');
      expect(err.details).toEqual({ path: '$.ok.\ud800' });
    });

    it('refuses a hole in a sparse array', () => {
      // eslint-disable-next-line no-sparse-arrays
      const err = expectCode(() => canonicalize([1, , 3]), InputError, 'INPUT_PAYLOAD_INVALID');
      expect(err.details).toEqual({ path: '$[1]' });
    });
  });

  describe('when given an object without a prototype', () => {
    it('encodes it like a plain object', () => {
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [true] });
      expect(canonicalize(bare)).toBe('{"a":[true],"b":1}');
    });
  });

  describe('when given booleans', () => {
    it('writes the literals true and false', () => {
      expect(canonicalize([true, false])).toBe('[true,false]');
    });
  });

  describe('when member names are integer-like', () => {
    it('sorts them as strings, not in the numeric order JavaScript objects iterate them', () => {
      expect(canonicalize({ 10: 'ten', 9: 'nine', 1: 'one', a: 'a' })).toBe('{"1":"one","10":"ten","9":"nine","a":"a"}');
    });
  });
});
