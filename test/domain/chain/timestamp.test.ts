import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCode } from '../../support/expect-code.js';
import { InputError } from '../../../src/domain/errors.js';
import { isCanonicalTimestamp, timestampToMillis, toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';

/** Dates whose year is 0001–9999, the range canonical timestamps cover. */
const protocolDate = fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });

describe('isCanonicalTimestamp', () => {
  describe('when the text is UTC RFC 3339 with six fractional digits and Z', () => {
    it.each([
      '2026-11-27T19:28:57.123456Z',
      '0001-01-01T00:00:00.000000Z',
      '9999-12-31T23:59:59.999999Z',
      '2024-02-29T12:00:00.000000Z',
      '2000-02-29T12:00:00.000000Z',
      '2026-04-30T00:00:00.000000Z',
      '2026-12-31T00:00:00.000000Z',
    ])('accepts %s', (text) => {
      expect(isCanonicalTimestamp(text)).toBe(true);
    });
  });

  describe('when the spelling is not the canonical one', () => {
    it.each([
      ['three fractional digits', '2026-11-27T19:28:57.123Z'],
      ['no fraction', '2026-11-27T19:28:57Z'],
      ['a +00:00 offset', '2026-11-27T19:28:57.123456+00:00'],
      ['a lowercase t', '2026-11-27t19:28:57.123456Z'],
      ['a space separator', '2026-11-27 19:28:57.123456Z'],
      ['a five-digit year', '+02026-11-27T19:28:57.123456Z'],
      ['trailing text', '2026-11-27T19:28:57.123456Z\n'],
    ])('rejects %s', (_name, text) => {
      expect(isCanonicalTimestamp(text)).toBe(false);
    });
  });

  describe('when the fields name no real instant', () => {
    it.each([
      ['year 0000', '0000-01-01T00:00:00.000000Z'],
      ['month 00', '2026-00-10T00:00:00.000000Z'],
      ['month 13', '2026-13-10T00:00:00.000000Z'],
      ['hour 24', '2026-01-10T24:00:00.000000Z'],
      ['minute 60', '2026-01-10T23:60:00.000000Z'],
      ['second 60 (no leap seconds)', '2026-01-10T23:59:60.000000Z'],
      ['day 00', '2026-01-00T00:00:00.000000Z'],
      ['31 April', '2026-04-31T00:00:00.000000Z'],
      ['32 January', '2026-01-32T00:00:00.000000Z'],
      ['29 February of a common year', '2026-02-29T00:00:00.000000Z'],
      ['29 February of a century year not divisible by 400', '2100-02-29T00:00:00.000000Z'],
    ])('rejects %s', (_name, text) => {
      expect(isCanonicalTimestamp(text)).toBe(false);
    });
  });
});

describe('toCanonicalTimestamp', () => {
  describe('when given a Date', () => {
    it('writes its millisecond instant with three zero microsecond digits', () => {
      expect(toCanonicalTimestamp(new Date(Date.UTC(2026, 10, 27, 19, 28, 57, 123)))).toBe('2026-11-27T19:28:57.123000Z');
    });

    it('always gives a canonical timestamp that reads back as the same instant (years 0001–9999)', () => {
      fc.assert(
        fc.property(protocolDate, (date) => {
          const text = toCanonicalTimestamp(date);
          expect(isCanonicalTimestamp(text)).toBe(true);
          expect(timestampToMillis(text)).toBe(date.getTime());
        }),
      );
    });
  });

  describe('when the Date is invalid or outside the years 0001–9999', () => {
    it('throws INPUT_FIELD_INVALID instead of writing a non-canonical timestamp', () => {
      for (const date of [new Date(Number.NaN), new Date(Date.UTC(10000, 0, 1)), new Date(Date.UTC(-1, 0, 1)), new Date('0000-06-01T00:00:00Z')]) {
        expectCode(() => toCanonicalTimestamp(date), InputError, 'INPUT_FIELD_INVALID');
      }
    });
  });

  describe('when two Dates are compared through their timestamps', () => {
    it('string order is time order', () => {
      fc.assert(
        fc.property(protocolDate, protocolDate, (a, b) => {
          const [ta, tb] = [toCanonicalTimestamp(a), toCanonicalTimestamp(b)];
          expect(Math.sign(ta < tb ? -1 : ta > tb ? 1 : 0)).toBe(Math.sign(a.getTime() - b.getTime()));
        }),
      );
    });
  });
});

describe('timestampToMillis', () => {
  describe('when the timestamp has sub-millisecond digits', () => {
    it('drops them', () => {
      expect(timestampToMillis('2026-11-27T19:28:57.123999Z')).toBe(Date.UTC(2026, 10, 27, 19, 28, 57, 123));
    });
  });
});
