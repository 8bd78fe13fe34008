import { describe, expect, it } from 'vitest';
import { parseJsonBytes, parseJsonText } from '../../../src/domain/encoding/parse-json.js';
import { InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';

describe('parseJsonText', () => {
  describe('when the text is valid JSON', () => {
    it('returns the parsed value', () => {
      expect(parseJsonText('{"a":[1,"\\u00e9",null]}', 'body')).toEqual({ a: [1, '\u00e9', null] });
    });
  });

  describe('when the text is not valid JSON', () => {
    it.each([
      ['a syntax error', '{"a":'],
      ['a trailing comma', '[1,]'],
      ['NaN', '{"n":NaN}'],
      ['single quotes', "{'a':1}"],
      ['empty text', ''],
    ])('throws INPUT_INVALID_JSON for %s and keeps the SyntaxError as cause', (_name, text) => {
      const err = expectCode(() => parseJsonText(text, 'body'), InputError, 'INPUT_INVALID_JSON');
      expect(err.cause).toBeInstanceOf(SyntaxError);
    });
  });
});

describe('parseJsonBytes', () => {
  describe('when the bytes are valid UTF-8 JSON', () => {
    it('returns the parsed value, astral characters intact', () => {
      expect(parseJsonBytes(Buffer.from('{"clef":"\ud834\udd1e"}', 'utf8'), 'body')).toEqual({ clef: '\ud834\udd1e' });
    });
  });

  describe('when the bytes are not valid UTF-8', () => {
    it.each([
      ['a stray continuation byte', [0x22, 0x80, 0x22]],
      ['a truncated two-byte sequence', [0x22, 0xc3, 0x22]],
      ['an overlong encoding of "/"', [0x22, 0xc0, 0xaf, 0x22]],
      ['an encoded surrogate (CESU-8)', [0x22, 0xed, 0xa0, 0x80, 0x22]],
    ])('throws INPUT_INVALID_JSON for %s instead of substituting U+FFFD', (_name, raw) => {
      const err = expectCode(() => parseJsonBytes(new Uint8Array(raw), 'body'), InputError, 'INPUT_INVALID_JSON');
      expect(err.cause).toBeInstanceOf(TypeError);
    });
  });

  describe('when valid UTF-8 is not valid JSON', () => {
    it('throws INPUT_INVALID_JSON', () => {
      expectCode(() => parseJsonBytes(Buffer.from('{"a"}'), 'body'), InputError, 'INPUT_INVALID_JSON');
    });
  });
});
