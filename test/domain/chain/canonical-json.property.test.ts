import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/domain/chain/canonical-json.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u));
/** Strings of any code points, including astral ones (always well-formed). */
const anyText = fc.string({ unit: 'binary' });

describe('canonicalize (properties)', () => {
  describe('when its output is parsed and canonicalised again', () => {
    it('gives the same text (idempotent)', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const canonical = canonicalize(value);
          expect(canonicalize(JSON.parse(canonical))).toBe(canonical);
        }),
      );
    });
  });

  describe('when the same members are inserted in another order', () => {
    it('gives the same text', () => {
      const entries = fc.uniqueArray(fc.tuple(anyText, fc.jsonValue()), { selector: ([k]) => k, maxLength: 12 });
      const entriesAndShuffle = entries.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length })));
      fc.assert(
        fc.property(entriesAndShuffle, ([ordered, shuffled]) => {
          expect(canonicalize(Object.fromEntries(shuffled))).toBe(canonicalize(Object.fromEntries(ordered)));
        }),
      );
    });
  });

  describe('when the input JSON text is pretty-printed', () => {
    it('gives the same text as for the compact form', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          expect(canonicalize(JSON.parse(JSON.stringify(value, null, 2)))).toBe(canonicalize(JSON.parse(JSON.stringify(value))));
        }),
      );
    });
  });

  describe('when given a well-formed string', () => {
    it('writes what JSON.stringify writes, and it parses back to the same string', () => {
      fc.assert(
        fc.property(anyText, (text) => {
          expect(canonicalize(text)).toBe(JSON.stringify(text));
          expect(JSON.parse(canonicalize(text))).toBe(text);
        }),
      );
    });
  });

  describe('when a string holds a lone surrogate anywhere', () => {
    it('throws INPUT_PAYLOAD_INVALID', () => {
      fc.assert(
        fc.property(anyText, loneSurrogate, anyText, (before, lone, after) => {
          // A lone high surrogate followed by a low one would pair up; keep it alone.
          fc.pre(!(/[\ud800-\udbff]$/.test(before) && lone >= '\udc00') && !(lone <= '\udbff' && /^[\udc00-\udfff]/.test(after)));
          expectCode(() => canonicalize({ s: `${before}${lone}${after}` }), InputError, 'INPUT_PAYLOAD_INVALID');
        }),
      );
    });
  });

  describe('when given a finite number', () => {
    it('writes the ECMAScript Number-to-String form, which parses back to the same value', () => {
      fc.assert(
        fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
          const canonical = canonicalize(n);
          expect(canonical).toBe(String(n));
          expect(JSON.parse(canonical)).toBe(Object.is(n, -0) ? 0 : n);
        }),
      );
    });
  });

  describe('when a value arrives already in JCS order (the JSON.stringify fast path) or in any other order', () => {
    it('gives the text a member-by-member encoding with sorted names gives', () => {
      // An independent, obviously correct JCS encoder for fc.jsonValue's values, to hold both paths against.
      const reference = (v: unknown): string => {
        if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
        if (v !== null && typeof v === 'object') {
          const names = Object.keys(v).sort();
          return `{${names.map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`;
        }
        return JSON.stringify(v);
      };
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const expected = reference(value);
          expect(canonicalize(value)).toBe(expected);
          expect(canonicalize(JSON.parse(expected))).toBe(expected);
        }),
      );
    });
  });

  describe('when member names look like array indices', () => {
    it('still sorts them as UTF-16 strings, not in the numeric order Object.keys gives them', () => {
      const value = JSON.parse('{"9":1,"10":2,"a":{"2":true,"1":false,"b":null}}') as unknown;
      expect(Object.keys(value as object)).toEqual(['9', '10', 'a']);
      expect(canonicalize(value)).toBe('{"10":2,"9":1,"a":{"1":false,"2":true,"b":null}}');
    });
  });
});
