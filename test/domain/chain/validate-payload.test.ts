import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH, validatePayload } from '../../../src/domain/chain/validate-submission.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

/** An object nested `depth` levels deep (the payload itself is level 1). */
function nested(depth: number, leaf: unknown = 1): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = 1; i < depth; i++) value = { d: value };
  return { d: value };
}

/** `{"a":"xxx…"}` whose canonical form is exactly `size` UTF-8 bytes. */
function payloadOfSize(size: number): Record<string, unknown> {
  return { a: 'x'.repeat(size - '{"a":""}'.length) };
}

describe('validatePayload', () => {
  describe('when the payload is a canonicalisable object within the limits', () => {
    it('returns it unchanged', () => {
      const payload = { title: 'Caf\u00e9 \ud834\udd1e', votes: [1, 2], nested: { ok: true } };
      expect(validatePayload(payload)).toBe(payload);
    });
  });

  describe('when the payload is not a JSON object', () => {
    it.each([
      ['null', null],
      ['undefined', undefined],
      ['an array', [{ a: 1 }]],
      ['a string', '{}'],
      ['a number', 0],
    ])('throws INPUT_PAYLOAD_NOT_OBJECT for %s', (_name, payload) => {
      expectCode(() => validatePayload(payload), InputError, 'INPUT_PAYLOAD_NOT_OBJECT');
    });
  });

  describe('when the payload nests', () => {
    it(`accepts ${MAX_PAYLOAD_DEPTH} levels`, () => {
      expect(validatePayload(nested(MAX_PAYLOAD_DEPTH))).toEqual(nested(MAX_PAYLOAD_DEPTH));
    });

    it(`throws INPUT_PAYLOAD_INVALID at ${MAX_PAYLOAD_DEPTH + 1} levels of objects`, () => {
      expectCode(() => validatePayload(nested(MAX_PAYLOAD_DEPTH + 1)), InputError, 'INPUT_PAYLOAD_INVALID');
    });

    it('counts arrays as levels too', () => {
      expectCode(() => validatePayload(nested(MAX_PAYLOAD_DEPTH, [])), InputError, 'INPUT_PAYLOAD_INVALID');
    });

    it('refuses a cyclic object instead of recursing forever', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expectCode(() => validatePayload(cyclic), InputError, 'INPUT_PAYLOAD_INVALID');
    });
  });

  describe('when the payload cannot be canonicalised', () => {
    it.each([
      ['a lone surrogate', { s: '\udead' }],
      ['NaN', { n: Number.NaN }],
      ['undefined', { u: undefined }],
      ['a Date', { d: new Date(0) }],
    ])('throws INPUT_PAYLOAD_INVALID for %s', (_name, payload) => {
      expectCode(() => validatePayload(payload), InputError, 'INPUT_PAYLOAD_INVALID');
    });
  });

  describe('when the payload holds U+0000 (PostgreSQL jsonb cannot store it)', () => {
    it.each([
      ['in a value', { s: 'a\u0000b' }, '$.s'],
      ['in a member name', { 'a\u0000': 1 }, '$.a\u0000'],
      ['deep inside an array', { list: [{ s: '\u0000' }] }, '$.list[0].s'],
    ])('throws INPUT_PAYLOAD_INVALID %s, naming its path', (_name, payload, path) => {
      const err = expectCode(() => validatePayload(payload), InputError, 'INPUT_PAYLOAD_INVALID');
      expect(err.details).toEqual({ path });
    });

    it('accepts other control characters', () => {
      expect(validatePayload({ s: '\u0001\t\n\u001f' })).toEqual({ s: '\u0001\t\n\u001f' });
    });
  });

  describe('when a string holds a literal backslash followed by "u0000" (no U+0000 at all)', () => {
    it('accepts it', () => {
      expect(validatePayload({ path: 'C:\\u0000\\dir', 'k\\u0000': 1 })).toEqual({ path: 'C:\\u0000\\dir', 'k\\u0000': 1 });
    });
  });

  describe('when the payload holds a Unicode noncharacter (RFC 7493 §2.1)', () => {
    it.each([
      ['U+FDD0', '\ufdd0'],
      ['U+FDEF', '\ufdef'],
      ['U+FFFE', '\ufffe'],
      ['U+FFFF', '\uffff'],
      ['U+1FFFE', '\u{1fffe}'],
      ['U+10FFFF', '\u{10ffff}'],
    ])('throws INPUT_PAYLOAD_INVALID for %s in a value and in a member name', (_name, ch) => {
      expectCode(() => validatePayload({ s: `x${ch}` }), InputError, 'INPUT_PAYLOAD_INVALID');
      expectCode(() => validatePayload({ [`k${ch}`]: 1 }), InputError, 'INPUT_PAYLOAD_INVALID');
    });

    it.each([
      ['U+FDCF', '\ufdcf'],
      ['U+FDF0', '\ufdf0'],
      ['U+FFFD', '\ufffd'],
      ['U+1FFFD', '\u{1fffd}'],
    ])('accepts the neighbouring character %s', (_name, ch) => {
      expect(validatePayload({ s: ch })).toEqual({ s: ch });
    });
  });

  describe('when the canonical payload size is at the limit', () => {
    it(`accepts exactly ${MAX_PAYLOAD_BYTES} bytes`, () => {
      expect(validatePayload(payloadOfSize(MAX_PAYLOAD_BYTES))).toEqual(payloadOfSize(MAX_PAYLOAD_BYTES));
    });

    it(`throws INPUT_PAYLOAD_TOO_LARGE at ${MAX_PAYLOAD_BYTES + 1} bytes, with size and limit in details`, () => {
      const err = expectCode(() => validatePayload(payloadOfSize(MAX_PAYLOAD_BYTES + 1)), InputError, 'INPUT_PAYLOAD_TOO_LARGE');
      expect(err.details).toEqual({ size: MAX_PAYLOAD_BYTES + 1, limit: MAX_PAYLOAD_BYTES });
    });

    it('counts UTF-8 bytes, not UTF-16 code units', () => {
      // Each U+20AC is one code unit but three UTF-8 bytes.
      const euros = { a: '\u20ac'.repeat(Math.ceil((MAX_PAYLOAD_BYTES - 7) / 3)) };
      expectCode(() => validatePayload(euros), InputError, 'INPUT_PAYLOAD_TOO_LARGE');
    });

    it('measures the canonical form, not the whitespace of the text it came from', () => {
      const payload = JSON.parse(JSON.stringify(payloadOfSize(MAX_PAYLOAD_BYTES), null, 8)) as unknown;
      expect(validatePayload(payload)).toEqual(payloadOfSize(MAX_PAYLOAD_BYTES));
    });
  });
});
