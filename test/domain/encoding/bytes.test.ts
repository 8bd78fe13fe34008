import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from '../../../src/domain/encoding/bytes.js';

const bytes = fc.uint8Array({ maxLength: 96 });
const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('toHex / fromHex', () => {
  describe('when bytes are encoded and decoded', () => {
    it('round-trips and writes lowercase, two digits per byte', () => {
      fc.assert(
        fc.property(bytes, (b) => {
          const text = toHex(b);
          expect(text).toMatch(/^(?:[0-9a-f]{2})*$/);
          expect(text).toBe(Buffer.from(b).toString('hex'));
          expect(fromHex(text)).toEqual(b);
        }),
      );
    });
  });

  describe('when the text is not lowercase hex of whole bytes', () => {
    it.each([
      ['odd length', 'abc'],
      ['uppercase', 'AB'],
      ['a non-hex letter', 'zz'],
      ['a 0x prefix', '0x00'],
      ['whitespace', '00 11'],
      ['a non-ASCII character', '0\u00e9'],
      ['a non-ASCII first digit', '\u0660\u0660'],
    ])('returns undefined for %s', (_name, text) => {
      expect(fromHex(text)).toBeUndefined();
    });

    it('returns undefined for the uppercase spelling of any bytes containing a letter digit', () => {
      fc.assert(
        fc.property(bytes, (b) => {
          const upper = toHex(b).toUpperCase();
          fc.pre(/[A-F]/.test(upper));
          expect(fromHex(upper)).toBeUndefined();
        }),
      );
    });
  });

  describe('when the text is empty', () => {
    it('decodes to no bytes', () => {
      expect(fromHex('')).toEqual(new Uint8Array(0));
    });
  });
});

describe('toBase64 / fromBase64', () => {
  describe('when bytes are encoded and decoded', () => {
    it('round-trips and writes padded standard base64 (RFC 4648 §4)', () => {
      fc.assert(
        fc.property(bytes, (b) => {
          const text = toBase64(b);
          expect(text).toBe(Buffer.from(b).toString('base64'));
          expect(fromBase64(text)).toEqual(b);
        }),
      );
    });
  });

  describe('when the last character carries non-zero unused bits (a non-canonical spelling)', () => {
    it('returns undefined', () => {
      const unaligned = fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((b) => b.length % 3 !== 0);
      fc.assert(
        fc.property(unaligned, fc.integer({ min: 1, max: 15 }), (b, bits) => {
          const text = toBase64(b);
          const body = text.replace(/=+$/, '');
          const unused = b.length % 3 === 1 ? 15 : 3; // 4 unused bits before "==", 2 before "="
          const last = B64_ALPHABET.indexOf(body.at(-1) as string);
          const altered = `${body.slice(0, -1)}${B64_ALPHABET[last | (bits & unused || 1)]}${text.slice(body.length)}`;
          expect(Buffer.from(altered, 'base64')).toEqual(Buffer.from(b)); // lenient decoders read the same bytes
          expect(fromBase64(altered)).toBeUndefined();
        }),
      );
    });
  });

  describe('when the padding is missing', () => {
    it('returns undefined', () => {
      fc.assert(
        fc.property(bytes.filter((b) => b.length % 3 !== 0), (b) => {
          expect(fromBase64(toBase64(b).replace(/=+$/, ''))).toBeUndefined();
        }),
      );
    });
  });

  describe('when the text is otherwise malformed', () => {
    it.each([
      ['URL-safe alphabet', 'AA-_'],
      ['whitespace', 'AAAA AAAA'],
      ['a trailing newline', 'AAAA\n'],
      ['too much padding', 'AA==='],
      ['padding in the middle', 'AA==AAAA'],
      ['a length that is not a multiple of 4', 'AAAAA'],
      ['a non-ASCII character', 'AA\u00e9A'],
    ])('returns undefined for %s', (_name, text) => {
      expect(fromBase64(text)).toBeUndefined();
    });
  });

  describe('when the text is empty', () => {
    it('decodes to no bytes', () => {
      expect(fromBase64('')).toEqual(new Uint8Array(0));
    });
  });
});

describe('utf8', () => {
  describe('when given well-formed text', () => {
    it('gives its UTF-8 bytes, astral characters as four bytes', () => {
      expect(toHex(utf8('a\u00e9\u2028\ud834\udd1e'))).toBe('61c3a9e280a8f09d849e');
    });
  });
});

describe('concatBytes', () => {
  describe('when given several arrays', () => {
    it('joins them in order', () => {
      fc.assert(
        fc.property(fc.array(bytes, { maxLength: 5 }), (parts) => {
          expect(concatBytes(...parts)).toEqual(new Uint8Array(Buffer.concat(parts)));
        }),
      );
    });
  });

  describe('when given views into a larger buffer', () => {
    it('copies only the viewed bytes', () => {
      const backing = new Uint8Array([9, 1, 2, 9, 3, 9]);
      expect(concatBytes(backing.subarray(1, 3), backing.subarray(4, 5))).toEqual(new Uint8Array([1, 2, 3]));
    });
  });
});
