import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCode } from '../../support/expect-code.js';
import { InputError } from '../../../src/domain/errors.js';
import { checkSubmissionWindow } from '../../../src/domain/chain/submission-window.js';
import { toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';

const NOW_MS = Date.parse('2026-01-09T12:00:00.000Z');
const WINDOW_MS = 300_000;

/** The canonical timestamp `offsetUs` microseconds from `nowMs` (six fractional digits, all significant). */
function at(nowMs: number, offsetUs: number): string {
  const us = nowMs * 1000 + offsetUs;
  const ms = Math.floor(us / 1000);
  return `${toCanonicalTimestamp(new Date(ms)).slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}Z`;
}

describe('checkSubmissionWindow', () => {
  describe('when local_timestamp is within the window', () => {
    it.each([
      ['the server time itself', 0],
      ['exactly the window behind', -WINDOW_MS * 1000],
      ['exactly the window ahead', WINDOW_MS * 1000],
      ['a microsecond inside, behind', -WINDOW_MS * 1000 + 1],
    ])('accepts %s', (_name, offsetUs) => {
      expect(checkSubmissionWindow(at(NOW_MS, offsetUs), NOW_MS, WINDOW_MS)).toBeUndefined();
    });

    it('accepts only the exact instant when the window is 0', () => {
      expect(checkSubmissionWindow(at(NOW_MS, 0), NOW_MS, 0)).toBeUndefined();
      expectCode(() => checkSubmissionWindow(at(NOW_MS, 1), NOW_MS, 0), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
    });
  });

  describe('when local_timestamp is older than the window (a replayed capture)', () => {
    it('throws INPUT_TIMESTAMP_OUTSIDE_WINDOW naming both times and the window, even one microsecond out', () => {
      const local = at(NOW_MS, -WINDOW_MS * 1000 - 1);
      const err = expectCode(() => checkSubmissionWindow(local, NOW_MS, WINDOW_MS), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
      expect(local).toBe('2026-01-09T11:54:59.999999Z');
      expect(err.details).toEqual({ localTimestamp: local, serverTime: '2026-01-09T12:00:00.000000Z', windowSeconds: 300 });
      expect(err.message).toBe(
        "local_timestamp 2026-01-09T11:54:59.999999Z is 300.000001 s behind the server's time 2026-01-09T12:00:00.000000Z; submissions are accepted within ±300 s of it (sign again with the current time)",
      );
    });
  });

  describe('when local_timestamp is further ahead than the window', () => {
    it('throws INPUT_TIMESTAMP_OUTSIDE_WINDOW saying how far ahead', () => {
      const err = expectCode(() => checkSubmissionWindow('2026-01-09T12:10:00.500000Z', NOW_MS, WINDOW_MS), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
      expect(err.message).toMatch(/ is 600\.5 s ahead of the server's time 2026-01-09T12:00:00\.000000Z;/);
      expect(err.details).toMatchObject({ localTimestamp: '2026-01-09T12:10:00.500000Z' });
    });
  });

  describe('when an input does not parse', () => {
    it('refuses a timestamp it cannot read instead of letting it through', () => {
      const err = expectCode(() => checkSubmissionWindow('yesterday', NOW_MS, WINDOW_MS), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
      expect(err.message).toMatch(/^local_timestamp yesterday cannot be compared with the server's time/);
    });

    it('refuses everything when the window is not a number', () => {
      expectCode(() => checkSubmissionWindow(at(NOW_MS, 0), NOW_MS, Number.NaN), InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
    });
  });

  describe('for any server time, window and offset', () => {
    it('accepts exactly when |local_timestamp − server time| ≤ window, to the microsecond', () => {
      const nowMs = fc.integer({ min: Date.parse('1970-01-01T00:00:00Z'), max: Date.parse('2200-01-01T00:00:00Z') });
      const windowMs = fc.integer({ min: 0, max: 86_400_000 });
      fc.assert(
        fc.property(nowMs, windowMs, fc.integer({ min: -2 * 86_400_000_000, max: 2 * 86_400_000_000 }), (now, window, offsetUs) => {
          const inside = Math.abs(offsetUs) <= window * 1000;
          let accepted = true;
          try {
            checkSubmissionWindow(at(now, offsetUs), now, window);
          } catch (err) {
            expect((err as InputError).code).toBe('INPUT_TIMESTAMP_OUTSIDE_WINDOW');
            accepted = false;
          }
          expect(accepted).toBe(inside);
        }),
      );
    });

    it('agrees at the bounds themselves', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 86_400_000 }), fc.constantFrom(-1, 1), fc.constantFrom(0, 1), (window, sign, beyond) => {
          const offsetUs = sign * (window * 1000 + beyond);
          const run = () => checkSubmissionWindow(at(NOW_MS, offsetUs), NOW_MS, window);
          if (beyond === 0) expect(run()).toBeUndefined();
          else expectCode(run, InputError, 'INPUT_TIMESTAMP_OUTSIDE_WINDOW');
        }),
      );
    });
  });
});
