import { describe, expect, it } from 'vitest';
import { checkStatementWindow, ISSUE_SKEW_MS, type StatementWindowFaults } from '../../../src/domain/signing/statement-window.js';
import { timestampToMillis, toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';
import type { KeeperStatement } from '../../../src/domain/signing/keeper-statement.js';

/** The fault a statement member earns, carrying what checkStatementWindow said about it. */
class InvalidMember extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field} ${rule}`);
  }
}

/** The fault an expired statement earns. */
class Expired extends Error {
  constructor(readonly expiresAt: string) {
    super(`expired at ${expiresAt}`);
  }
}

/** Faults that build distinguishable errors, so a test sees which one checkStatementWindow threw. */
const FAULTS: StatementWindowFaults = {
  invalid: (field, rule) => new InvalidMember(field, rule),
  expired: (expiresAt) => new Expired(expiresAt),
};

const MAX_LIFETIME_MS = 60 * 60 * 1000;
const ISSUED = '2026-06-01T12:00:00.000000Z';
const NOW = timestampToMillis(ISSUED) + 10 * 60 * 1000;
const NONCE = '0123456789abcdef'.repeat(2);

/** The canonical timestamp `ms` milliseconds after the epoch. */
const at = (ms: number): string => toCanonicalTimestamp(new Date(ms));
/** `ISSUED` plus `ms` milliseconds. */
const afterIssued = (ms: number): string => at(timestampToMillis(ISSUED) + ms);

const statement = (overrides: Record<string, unknown> = {}): KeeperStatement => ({
  type: 'test.command',
  issued_at: ISSUED,
  expires_at: afterIssued(MAX_LIFETIME_MS / 2),
  nonce: NONCE,
  ...overrides,
});

const check = (overrides: Record<string, unknown> = {}, nowMs = NOW): void => checkStatementWindow(statement(overrides), nowMs, MAX_LIFETIME_MS, FAULTS);

/** Runs the check expecting faults.invalid, and returns the error it built. */
function invalidFault(overrides: Record<string, unknown>, nowMs = NOW): InvalidMember {
  let caught: unknown;
  try {
    check(overrides, nowMs);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InvalidMember);
  return caught as InvalidMember;
}

describe('checkStatementWindow', () => {
  describe('given a statement inside its window', () => {
    it('returns without calling a fault', () => {
      const calls: string[] = [];
      const spying: StatementWindowFaults = {
        invalid: (field, rule) => (calls.push(field), new InvalidMember(field, rule)),
        expired: (expiresAt) => (calls.push(expiresAt), new Expired(expiresAt)),
      };
      expect(checkStatementWindow(statement(), NOW, MAX_LIFETIME_MS, spying)).toBeUndefined();
      expect(calls).toEqual([]);
    });
  });

  describe('when issued_at is not a canonical timestamp', () => {
    it.each<[string, unknown]>([
      ['missing', undefined],
      ['a number', timestampToMillis(ISSUED)],
      ['without the six fractional digits', '2026-06-01T12:00:00Z'],
      ['with an offset instead of Z', '2026-06-01T12:00:00.000000+00:00'],
      ['not a calendar date', '2026-02-30T12:00:00.000000Z'],
    ])('throws faults.invalid for issued_at (%s)', (_, issuedAt) => {
      expect(invalidFault({ issued_at: issuedAt }).field).toBe('issued_at');
    });
  });

  describe('when expires_at is not a canonical timestamp', () => {
    it.each<[string, unknown]>([
      ['missing', undefined],
      ['a number', NOW + 1000],
      ['in milliseconds only', '2026-06-01T12:30:00.000Z'],
      ['lowercase z', '2026-06-01T12:30:00.000000z'],
    ])('throws faults.invalid for expires_at (%s)', (_, expiresAt) => {
      expect(invalidFault({ expires_at: expiresAt }).field).toBe('expires_at');
    });
  });

  describe('the nonce', () => {
    it.each<[string, unknown]>([
      ['missing', undefined],
      ['a number', 12345678901234567890],
      ['31 hex digits', 'a'.repeat(31)],
      ['uppercase hex', 'A'.repeat(32)],
      ['129 hex digits', 'a'.repeat(129)],
      ['not hex', 'g'.repeat(32)],
    ])('is refused when %s, naming nonce', (_, nonce) => {
      expect(invalidFault({ nonce }).field).toBe('nonce');
    });

    it.each([
      ['32 hex digits', 'a'.repeat(32)],
      ['128 hex digits', '0f'.repeat(64)],
    ])('is accepted with %s', (_, nonce) => {
      expect(() => check({ nonce })).not.toThrow();
    });
  });

  describe('when expires_at is not after issued_at', () => {
    it.each([
      ['equal to issued_at', ISSUED],
      ['before issued_at', afterIssued(-1000)],
    ])('throws faults.invalid for expires_at (%s)', (_, expiresAt) => {
      expect(invalidFault({ expires_at: expiresAt }).field).toBe('expires_at');
    });
  });

  describe('the lifetime from issued_at to expires_at', () => {
    it('is accepted at exactly maxLifetimeMs', () => {
      expect(() => check({ expires_at: afterIssued(MAX_LIFETIME_MS) })).not.toThrow();
    });

    it('is refused 1 ms over maxLifetimeMs, naming expires_at', () => {
      expect(invalidFault({ expires_at: afterIssued(MAX_LIFETIME_MS + 1) }).field).toBe('expires_at');
    });

    // Compared in microseconds: a millisecond comparison would accept up to 999 µs over the limit.
    it('is refused 1 µs over maxLifetimeMs, naming expires_at', () => {
      const oneMicrosecondOver = afterIssued(MAX_LIFETIME_MS).replace(/000Z$/, '001Z');
      expect(invalidFault({ expires_at: oneMicrosecondOver }).field).toBe('expires_at');
    });

    it('says something different from an expires_at that is not a timestamp', () => {
      const tooLong = invalidFault({ expires_at: afterIssued(MAX_LIFETIME_MS + 1) });
      const malformed = invalidFault({ expires_at: 'soon' });
      expect(tooLong.rule).not.toBe(malformed.rule);
    });
  });

  describe('when issued_at is ahead of now', () => {
    const issuedAhead = (ms: number) => ({ issued_at: at(NOW + ms), expires_at: at(NOW + ms + 1000) });

    it('accepts a keeper clock up to ISSUE_SKEW_MS ahead', () => {
      expect(() => check(issuedAhead(ISSUE_SKEW_MS))).not.toThrow();
    });

    it('throws faults.invalid for issued_at beyond ISSUE_SKEW_MS', () => {
      expect(invalidFault(issuedAhead(ISSUE_SKEW_MS + 1)).field).toBe('issued_at');
    });

    it('says something different from an issued_at that is not a timestamp', () => {
      expect(invalidFault(issuedAhead(ISSUE_SKEW_MS + 1)).rule).not.toBe(invalidFault({ issued_at: 'now' }).rule);
    });
  });

  describe('when now reaches expires_at', () => {
    const expiresAt = afterIssued(MAX_LIFETIME_MS / 2);

    it('throws faults.expired with expires_at', () => {
      let caught: unknown;
      try {
        check({ expires_at: expiresAt }, timestampToMillis(expiresAt));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Expired);
      expect((caught as Expired).expiresAt).toBe(expiresAt);
    });

    it('still accepts the statement 1 ms before', () => {
      expect(() => check({ expires_at: expiresAt }, timestampToMillis(expiresAt) - 1)).not.toThrow();
    });

    it('throws faults.expired after it, too', () => {
      expect(() => check({ expires_at: expiresAt }, timestampToMillis(expiresAt) + 60_000)).toThrow(Expired);
    });
  });

  describe("the faults' errors", () => {
    it('are thrown as built: faults.invalid is called once with the field and a rule, and its error is what is thrown', () => {
      const calls: Array<[string, string]> = [];
      const built: Error[] = [];
      const recording: StatementWindowFaults = {
        invalid: (field, rule) => {
          calls.push([field, rule]);
          const err = new InvalidMember(field, rule);
          built.push(err);
          return err;
        },
        expired: (expiresAt) => new Expired(expiresAt),
      };
      let caught: unknown;
      try {
        checkStatementWindow(statement({ nonce: 'a'.repeat(31) }), NOW, MAX_LIFETIME_MS, recording);
      } catch (err) {
        caught = err;
      }
      expect(calls).toHaveLength(1);
      expect(calls[0]?.[0]).toBe('nonce');
      expect(calls[0]?.[1]).toEqual(expect.any(String));
      expect(calls[0]?.[1].length).toBeGreaterThan(0);
      expect(caught).toBe(built[0]);
    });

    it('are thrown as built: faults.expired is called once with expires_at, and its error is what is thrown', () => {
      const calls: string[] = [];
      const built: Error[] = [];
      const recording: StatementWindowFaults = {
        invalid: (field, rule) => new InvalidMember(field, rule),
        expired: (expiresAt) => {
          calls.push(expiresAt);
          const err = new Expired(expiresAt);
          built.push(err);
          return err;
        },
      };
      const expiresAt = afterIssued(1000);
      let caught: unknown;
      try {
        checkStatementWindow(statement({ expires_at: expiresAt }), timestampToMillis(expiresAt), MAX_LIFETIME_MS, recording);
      } catch (err) {
        caught = err;
      }
      expect(calls).toEqual([expiresAt]);
      expect(caught).toBe(built[0]);
    });

    it('use the maxLifetimeMs given, not a fixed one', () => {
      const expiresAt = afterIssued(2 * 60 * 1000);
      expect(() => checkStatementWindow(statement({ expires_at: expiresAt }), timestampToMillis(ISSUED), 2 * 60 * 1000, FAULTS)).not.toThrow();
      expect(() => checkStatementWindow(statement({ expires_at: expiresAt }), timestampToMillis(ISSUED), 60 * 1000, FAULTS)).toThrow(InvalidMember);
    });
  });
});

describe('checkStatementWindow at the timestamps’ microsecond resolution', () => {
  const faults: StatementWindowFaults = {
    invalid: (field, rule) => Object.assign(new Error(rule), { field }),
    expired: (expiresAt) => Object.assign(new Error('expired'), { expiresAt }),
  };
  const now = Date.parse('2026-06-01T12:00:00.000Z');
  const nonce = 'a'.repeat(32);
  const check = (issued: string, expires: string, at = now) => () => checkStatementWindow({ type: 't', nonce, issued_at: issued, expires_at: expires }, at, 3_600_000, faults);

  it('refuses an issued_at 999 µs beyond the allowed skew, and accepts it at the skew exactly', () => {
    expect(check('2026-06-01T12:05:00.000999Z', '2026-06-01T12:30:00.000000Z')).toThrow(/future/);
    expect(check('2026-06-01T12:05:00.000000Z', '2026-06-01T12:30:00.000000Z')).not.toThrow();
  });

  it('accepts an expires_at 500 µs after issued_at (after is after), and calls a statement expired only from its expires_at on', () => {
    expect(check('2026-06-01T11:59:59.999000Z', '2026-06-01T11:59:59.999500Z', now - 1)).not.toThrow();
    expect(check('2026-06-01T11:00:00.000001Z', '2026-06-01T12:00:00.000001Z')).not.toThrow();
    expect(check('2026-06-01T11:00:00.000000Z', '2026-06-01T12:00:00.000000Z')).toThrow('expired');
  });
});
