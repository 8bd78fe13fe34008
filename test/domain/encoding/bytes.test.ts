import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64DecodedLength,
  compareByteRanges,
  concatBytes,
  decodeBase64Into,
  decodeHexInto,
  fromBase64,
  fromBase64Ascii,
  fromHex,
  fromHexAscii,
  toBase64,
  toHex,
  utf8,
} from '../../../src/domain/encoding/bytes.js';

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

// The byte-range decoders (fromHexAscii, fromBase64Ascii, decode*Into) read ASCII text held as bytes, such as a
// span of an export line. They are held to an independent reference (Node's Buffer plus the canonical-form rule)
// and to the string decoders, with the text embedded mid-buffer between bytes that would change the result if
// read: hex digits, base64 letters and "=".

/** Lowercase hex decoded by Buffer, or undefined for anything that is not lowercase hex of whole bytes. */
function referenceFromHex(text: string): Uint8Array | undefined {
  return /^(?:[0-9a-f]{2})*$/.test(text) ? new Uint8Array(Buffer.from(text, 'hex')) : undefined;
}

/** Base64 decoded by Buffer (lenient), kept only when Buffer re-encodes the bytes to exactly `text` (canonical, padded). */
function referenceFromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.toString('base64') === text ? new Uint8Array(decoded) : undefined;
}

/** `text` at [from, to) of a larger buffer, between `before` and `after`. */
function embed(text: Uint8Array, before: Uint8Array, after: Uint8Array): { buffer: Uint8Array; from: number; to: number } {
  return { buffer: concatBytes(before, text, after), from: before.length, to: before.length + text.length };
}

const filler = fc.array(fc.constantFrom(...utf8('0fa=A+/Q')), { maxLength: 6 }).map((a) => Uint8Array.from(a));
const hexText = fc.oneof(
  bytes.map(toHex),
  bytes.map((b) => toHex(b).toUpperCase()),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgx \u00e9\u0660'), maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
);
// Quads of characters chosen to hit every padding path: 'A', 'Q', 'g', 'w' leave the unused bits zero, 'B' and 'E' do not.
const base64Quads = fc.array(fc.string({ unit: fc.constantFrom(...'AQgwBE+/=-\u00e9'), minLength: 4, maxLength: 4 }), { maxLength: 4 }).map((q) => q.join(''));
// toBase64 of some bytes with the character at `at` replaced: often a non-canonical last character or misplaced padding.
const alteredBase64 = fc.tuple(bytes, fc.nat(), fc.constantFrom(...`${B64_ALPHABET}=`)).map(([b, at, c]) => {
  const text = toBase64(b);
  const i = text.length === 0 ? 0 : text.replace(/=+$/, '').length - 1 - (at % 3);
  return i < 0 ? text : text.slice(0, i) + c + text.slice(i + 1);
});
const base64Text = fc.oneof(
  bytes.map(toBase64),
  alteredBase64,
  base64Quads,
  fc.string({ unit: fc.constantFrom(...'AQgwBE+/='), maxLength: 13 }),
  fc.string({ unit: 'binary-ascii', maxLength: 16 }),
);

describe('fromHexAscii', () => {
  describe('for any text, embedded mid-buffer', () => {
    it('decodes exactly what fromHex and the reference decode, and refuses what they refuse', () => {
      fc.assert(
        fc.property(hexText, filler, filler, (text, before, after) => {
          const { buffer, from, to } = embed(utf8(text), before, after);
          const expected = referenceFromHex(text);
          expect(fromHexAscii(buffer, from, to)).toEqual(expected);
          expect(fromHex(text)).toEqual(expected);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('when a byte is a hex digit with its top bit set (not ASCII)', () => {
    it.each([0xb0, 0xe1, 0xc6])('returns undefined for byte %i, next to an ASCII digit', (code) => {
      expect(fromHexAscii(Uint8Array.of(0x30, code), 0, 2)).toBeUndefined();
      expect(fromHexAscii(Uint8Array.of(code, 0x30), 0, 2)).toBeUndefined();
    });
  });

  describe('when the range has an odd length', () => {
    it('returns undefined even if the byte after it would complete a pair', () => {
      expect(fromHexAscii(utf8('abc0'), 0, 3)).toBeUndefined();
      expect(fromHexAscii(utf8('abc0'), 0, 4)).toEqual(Uint8Array.of(0xab, 0xc0));
    });
  });
});

describe('decodeHexInto', () => {
  describe('when the range is lowercase hex', () => {
    it('writes its bytes at outAt and touches nothing else in out', () => {
      fc.assert(
        fc.property(bytes, filler, filler, fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (b, before, after, head, tail) => {
          const { buffer, from, to } = embed(utf8(toHex(b)), before, after);
          const out = concatBytes(head, new Uint8Array(b.length).fill(0xee), tail);
          expect(decodeHexInto(buffer, from, to, out, head.length)).toBe(true);
          expect(out).toEqual(concatBytes(head, b, tail));
        }),
      );
    });
  });

  describe('when the range holds a character that is not a lowercase hex digit', () => {
    it('returns false without writing outside [outAt, outAt + length / 2)', () => {
      fc.assert(
        fc.property(hexText.filter((t) => utf8(t).length % 2 === 0 && referenceFromHex(t) === undefined), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (text, head, tail) => {
          const codes = utf8(text);
          const out = concatBytes(head, new Uint8Array(codes.length / 2), tail);
          expect(decodeHexInto(codes, 0, codes.length, out, head.length)).toBe(false);
          expect(out.subarray(0, head.length)).toEqual(head);
          expect(out.subarray(head.length + codes.length / 2)).toEqual(tail);
        }),
      );
    });
  });
});

describe('fromBase64Ascii', () => {
  describe('for any bytes', () => {
    it('decodes their toBase64 spelling back to them, embedded mid-buffer', () => {
      fc.assert(
        fc.property(bytes, filler, filler, (b, before, after) => {
          const { buffer, from, to } = embed(utf8(toBase64(b)), before, after);
          expect(fromBase64Ascii(buffer, from, to)).toEqual(b);
        }),
      );
    });
  });

  describe('for any text, embedded mid-buffer', () => {
    it('decodes exactly what fromBase64 and the reference decode, and refuses what they refuse', () => {
      fc.assert(
        fc.property(base64Text, filler, filler, (text, before, after) => {
          const { buffer, from, to } = embed(utf8(text), before, after);
          const expected = referenceFromBase64(text);
          expect(fromBase64Ascii(buffer, from, to)).toEqual(expected);
          expect(fromBase64(text)).toEqual(expected);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('when the text is malformed', () => {
    it.each([
      ['a non-zero unused bit before "=="', 'AB=='],
      ['a non-zero unused bit before "="', 'AAB='],
      ['padding before a character', 'AA=A'],
      ['three padding characters', 'A==='],
      ['nothing but padding', '===='],
      ['a length of 5', 'AAAA='],
      ['a non-ASCII character', 'AA\u00e9'],
    ])('returns undefined for %s', (_name, text) => {
      expect(referenceFromBase64(text)).toBeUndefined(); // the reference agrees these are not canonical base64
      const { buffer, from, to } = embed(utf8(text), utf8('AAAA'), utf8('AA=='));
      expect(fromBase64Ascii(buffer, from, to)).toBeUndefined();
    });

    it('returns undefined for a base64 letter with its top bit set (not ASCII)', () => {
      expect(fromBase64Ascii(Uint8Array.of(0x41, 0x41, 0x41, 0x41 | 0x80), 0, 4)).toBeUndefined();
    });
  });

  describe('when the range is empty but sits just after "=" characters', () => {
    it('decodes to no bytes: padding is looked for inside the range only', () => {
      const buffer = utf8('AA==AA==');
      expect(fromBase64Ascii(buffer, 4, 4)).toEqual(new Uint8Array(0));
      expect(base64DecodedLength(buffer, 4, 4)).toBe(0);
    });
  });
});

describe('base64DecodedLength', () => {
  describe('for the toBase64 spelling of any bytes, embedded mid-buffer', () => {
    it('is the number of bytes', () => {
      fc.assert(
        fc.property(bytes, filler, filler, (b, before, after) => {
          const { buffer, from, to } = embed(utf8(toBase64(b)), before, after);
          expect(base64DecodedLength(buffer, from, to)).toBe(b.length);
        }),
      );
    });
  });

  describe('when the length is not a multiple of 4', () => {
    it('is -1', () => {
      for (const text of ['A', 'AA', 'AAA', 'AAAAA', 'AA=']) expect(base64DecodedLength(utf8(text), 0, text.length)).toBe(-1);
    });
  });
});

describe('decodeBase64Into', () => {
  describe('when the range is canonical base64', () => {
    it('writes its bytes at outAt, returns their count and touches nothing else in out', () => {
      fc.assert(
        fc.property(bytes, filler, filler, fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (b, before, after, head, tail) => {
          const { buffer, from, to } = embed(utf8(toBase64(b)), before, after);
          const out = concatBytes(head, new Uint8Array(b.length).fill(0xee), tail);
          expect(decodeBase64Into(buffer, from, to, out, head.length)).toBe(b.length);
          expect(out).toEqual(concatBytes(head, b, tail));
        }),
      );
    });
  });

  describe('when the range is not canonical base64', () => {
    it('returns -1 without writing outside [outAt, outAt + base64DecodedLength)', () => {
      fc.assert(
        fc.property(base64Text.filter((t) => referenceFromBase64(t) === undefined), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (text, head, tail) => {
          const codes = utf8(text);
          const length = Math.max(0, base64DecodedLength(codes, 0, codes.length));
          const out = concatBytes(head, new Uint8Array(length), tail);
          expect(decodeBase64Into(codes, 0, codes.length, out, head.length)).toBe(-1);
          expect(out.subarray(0, head.length)).toEqual(head);
          expect(out.subarray(head.length + length)).toEqual(tail);
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('compareByteRanges', () => {
  // A small alphabet, so that ranges often share long prefixes or are equal.
  const range = fc.record({ before: fc.uint8Array({ maxLength: 3 }), body: fc.uint8Array({ max: 2, maxLength: 6 }), after: fc.uint8Array({ maxLength: 3 }) });

  describe('for any two ranges of two buffers', () => {
    it('has the sign of Buffer.compare of the ranges alone', () => {
      fc.assert(
        fc.property(range, range, (a, b) => {
          const x = embed(a.body, a.before, a.after);
          const y = embed(b.body, b.before, b.after);
          const sign = Math.sign(compareByteRanges(x.buffer, x.from, x.to, y.buffer, y.from, y.to));
          expect(sign).toBe(Buffer.compare(a.body, b.body));
          expect(Math.sign(compareByteRanges(y.buffer, y.from, y.to, x.buffer, x.from, x.to))).toBe(Buffer.compare(b.body, a.body));
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('when one range is a prefix of the other', () => {
    it('orders the shorter first, whatever follows it in its buffer', () => {
      const a = Uint8Array.of(1, 2, 3, 9, 9);
      const b = Uint8Array.of(0, 1, 2, 3, 4);
      expect(compareByteRanges(a, 0, 3, b, 1, 5)).toBeLessThan(0);
      expect(compareByteRanges(b, 1, 5, a, 0, 3)).toBeGreaterThan(0);
      expect(compareByteRanges(a, 0, 0, b, 1, 2)).toBeLessThan(0);
    });
  });

  describe('when the ranges hold the same bytes', () => {
    it('is zero, in one buffer or two, empty ranges included', () => {
      const a = Uint8Array.of(7, 1, 2, 7, 1, 2);
      expect(compareByteRanges(a, 1, 3, a, 4, 6)).toBe(0);
      expect(compareByteRanges(a, 1, 3, Uint8Array.of(1, 2), 0, 2)).toBe(0);
      expect(compareByteRanges(a, 2, 2, Uint8Array.of(5), 1, 1)).toBe(0);
    });
  });

  describe('when the first difference is a byte above 127', () => {
    it('compares bytes as unsigned', () => {
      expect(compareByteRanges(Uint8Array.of(0x80), 0, 1, Uint8Array.of(0x7f), 0, 1)).toBeGreaterThan(0);
      expect(compareByteRanges(Uint8Array.of(1, 0x00), 0, 2, Uint8Array.of(1, 0xff), 0, 2)).toBeLessThan(0);
    });
  });
});
