import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHOICES, parseSecond, parseStance, parseVote, STANCES } from '../../../src/domain/deliberation/parse-reply.js';

describe('parseStance', () => {
  describe('given a speech whose last non-empty line is exactly STANCE: <stance>', () => {
    it.each(STANCES)('reads %s', (stance) => {
      expect(parseStance(`The motion is sound.\nIt protects the record.\nSTANCE: ${stance}`)).toBe(stance);
    });

    it('reads it through CRLF line ends, trailing blank lines and surrounding spaces', () => {
      expect(parseStance('The motion is sound.\r\n  STANCE: AGAINST  \r\n\r\n   \n')).toBe('AGAINST');
    });

    it('reads a speech that is nothing but the stance line', () => {
      expect(parseStance('STANCE: NEUTRAL')).toBe('NEUTRAL');
    });
  });

  describe('when the stance is declared anywhere but the last non-empty line', () => {
    it('is undefined', () => {
      expect(parseStance('STANCE: FOR\nBut I may change my mind.')).toBeUndefined();
      expect(parseStance('STANCE: FOR\nSTANCE: AGAINST\nfinally')).toBeUndefined();
    });
  });

  describe('when the stance line is not exactly the format', () => {
    it.each([
      ['lowercase', 'stance: for'],
      ['a lowercase token', 'STANCE: For'],
      ['no space', 'STANCE:FOR'],
      ['two spaces', 'STANCE:  FOR'],
      ['trailing punctuation', 'STANCE: FOR.'],
      ['an unknown token', 'STANCE: ABSTAIN'],
      ['two tokens', 'STANCE: FOR AGAINST'],
      ['markdown', '**STANCE: FOR**'],
      ['a prefix', 'My STANCE: FOR'],
    ])('is undefined for %s', (_, line) => {
      expect(parseStance(`A speech.\n${line}`)).toBeUndefined();
    });

    it('is undefined for empty or blank text', () => {
      expect(parseStance('')).toBeUndefined();
      expect(parseStance(' \n\r\n\t')).toBeUndefined();
    });
  });

  describe('for any speech text followed by a stance line', () => {
    it('reads that stance (property)', () => {
      fc.assert(
        fc.property(fc.string(), fc.constantFrom(...STANCES), fc.constantFrom('\n', '\r\n'), (body, stance, eol) => {
          expect(parseStance(`${body}${eol}STANCE: ${stance}${eol}`)).toBe(stance);
        }),
      );
    });
  });
});

describe('parseVote', () => {
  describe('given a first line that is exactly {"choice": <choice>}', () => {
    it.each(CHOICES)('reads %s, whatever follows', (choice) => {
      expect(parseVote(`{"choice":"${choice}"}\nBecause the record matters.\n{"choice":"NAY"}`)).toBe(choice);
    });

    it('reads it through a CRLF line end, spaces around it and JSON whitespace inside it', () => {
      expect(parseVote('  { "choice" : "NAY" }  \r\nreason')).toBe('NAY');
    });
  });

  describe('when the first line is not that object', () => {
    it.each([
      ['an empty reply', ''],
      ['a reason first', 'I vote yes.\n{"choice":"AYE"}'],
      ['a blank first line', '\n{"choice":"AYE"}'],
      ['not JSON', 'AYE'],
      ['a trailing word', '{"choice":"AYE"} indeed'],
      ['a JSON string', '"AYE"'],
      ['JSON null', 'null'],
      ['a JSON array', '[{"choice":"AYE"}]'],
      ['a lowercase choice', '{"choice":"aye"}'],
      ['an unknown choice', '{"choice":"YES"}'],
      ['a non-string choice', '{"choice":1}'],
      ['another member beside choice', '{"choice":"AYE","reason":"yes"}'],
      ['no choice member', '{"vote":"AYE"}'],
      ['an empty object', '{}'],
      ['the object split over two lines', '{"choice":\n"AYE"}'],
      ['the member given twice (JSON.parse would keep the last)', '{"choice":"NAY","choice":"AYE"}'],
      ['an escaped member name', '{"\\u0063hoice":"AYE"}'],
    ])('is undefined for %s', (_, text) => {
      expect(parseVote(text)).toBeUndefined();
    });
  });
});

describe('parseSecond', () => {
  describe('given a first line that is exactly SECOND or DECLINE', () => {
    it('reads it, whatever follows, through CRLF and surrounding spaces', () => {
      expect(parseSecond('SECOND\nIt deserves a debate.')).toBe('SECOND');
      expect(parseSecond('  DECLINE \r\nNot this motion.')).toBe('DECLINE');
      expect(parseSecond('DECLINE')).toBe('DECLINE');
    });
  });

  describe('when the first line is anything else', () => {
    it.each([
      ['an empty reply', ''],
      ['lowercase', 'second'],
      ['a sentence', 'I SECOND the motion'],
      ['punctuation', 'SECOND.'],
      ['the answer on the second line', 'Well.\nSECOND'],
    ])('is undefined for %s', (_, text) => {
      expect(parseSecond(text)).toBeUndefined();
    });
  });
});
