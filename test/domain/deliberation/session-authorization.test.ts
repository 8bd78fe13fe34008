import { describe, expect, it } from 'vitest';
import { MAX_SESSION_OPEN_LIFETIME_MS, parseSessionOpenStatement, SESSION_OPEN_TYPE } from '../../../src/domain/deliberation/session-authorization.js';
import { MAX_SEED } from '../../../src/domain/deliberation/session-rules.js';
import { DeliberationError } from '../../../src/domain/errors.js';
import { timestampToMillis, toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';
import { expectCode } from '../../support/expect-code.js';
import type { KeeperStatement, SignedKeeperStatement } from '../../../src/domain/signing/keeper-statement.js';

const KEEPER = 'KEEPER:alice';
const SESSION_ID = '018f3a00-0000-7000-8000-00000000c0de';
const ISSUED = '2026-06-01T12:00:00.000000Z';
const EXPIRES = '2026-06-01T12:30:00.000000Z';
const NOW = timestampToMillis(ISSUED) + 60_000;
/** Any 64 bytes in padded base64: this function checks content, not the signature. */
const SIGNATURE = `${'A'.repeat(86)}==`;

const KEEPER_MOTION_JSON = { title: 'Rotate keeper keys', text: 'Rotate all keeper keys yearly.', kind: 'procedural', submitted_by: KEEPER };

const statement = (overrides: Record<string, unknown> = {}): KeeperStatement => {
  const s: Record<string, unknown> = {
    type: SESSION_OPEN_TYPE,
    session_id: SESSION_ID,
    motion: KEEPER_MOTION_JSON,
    rounds: 3,
    seed: 'seed-0001',
    validate_votes: true,
    issued_at: ISSUED,
    expires_at: EXPIRES,
    nonce: 'c0ffee'.repeat(6),
    ...overrides,
  };
  // An override of `undefined` removes the member, as a statement that omits it.
  for (const name of Object.keys(s)) if (s[name] === undefined) delete s[name];
  return s as KeeperStatement;
};

const signed = (overrides: Record<string, unknown> = {}, keeperId = KEEPER): SignedKeeperStatement => ({
  statement: statement(overrides),
  keeperId,
  keyId: 'keeper-alice-2026',
  signature: SIGNATURE,
});

/** Expects DELIBERATION_AUTHORIZATION_INVALID and returns the field it names. */
function refusedField(overrides: Record<string, unknown>, nowMs = NOW): unknown {
  const err = expectCode(() => parseSessionOpenStatement(signed(overrides), nowMs), DeliberationError, 'DELIBERATION_AUTHORIZATION_INVALID');
  return err.details?.field;
}

describe('parseSessionOpenStatement', () => {
  describe('given a valid statement naming every option', () => {
    it('returns the session id, the parsed motion, rounds, seed and validateVotes', () => {
      expect(parseSessionOpenStatement(signed(), NOW)).toStrictEqual({
        sessionId: SESSION_ID,
        motion: { title: KEEPER_MOTION_JSON.title, text: KEEPER_MOTION_JSON.text, kind: 'procedural', submittedBy: KEEPER },
        rounds: 3,
        seed: 'seed-0001',
        validateVotes: true,
      });
    });

    it('returns validateVotes false when the statement says false', () => {
      expect(parseSessionOpenStatement(signed({ validate_votes: false }), NOW).validateVotes).toBe(false);
    });
  });

  describe('given a valid statement without rounds, seed or validate_votes', () => {
    it('returns only the session id and the motion', () => {
      const request = parseSessionOpenStatement(signed({ rounds: undefined, seed: undefined, validate_votes: undefined }), NOW);
      expect(Object.keys(request).sort()).toEqual(['motion', 'sessionId']);
      expect(request.sessionId).toBe(SESSION_ID);
    });
  });

  describe("given a King's motion (proposer, no submitted_by)", () => {
    it('accepts it from any keeper', () => {
      const motion = { title: 'Publish the audit trail', text: 'Publish every audit record.', kind: 'policy', proposer: 'ARCHON:bael' };
      expect(parseSessionOpenStatement(signed({ motion }), NOW).motion).toStrictEqual({
        title: motion.title,
        text: motion.text,
        kind: 'policy',
        proposer: 'ARCHON:bael',
      });
    });
  });

  describe('when type is not conclave.session.open', () => {
    it.each([['halt.trigger'], ['conclave.session.close']])('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.type (%s)', (type) => {
      expect(refusedField({ type })).toBe('statement.type');
    });
  });

  describe('when the statement has a member no opening has', () => {
    it.each([['reason'], ['provider'], ['sessionId']])('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.%s', (name) => {
      expect(refusedField({ [name]: 'x' })).toBe(`statement.${name}`);
    });
  });

  describe('when session_id is not a lowercase UUID', () => {
    it.each<[string, unknown]>([
      ['missing', undefined],
      ['a number', 42],
      ['an uppercase UUID', SESSION_ID.toUpperCase()],
      ['not a UUID', 'session-0001'],
    ])('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.session_id (%s)', (_, sessionId) => {
      expect(refusedField({ session_id: sessionId })).toBe('statement.session_id');
    });
  });

  describe('when the window is wrong', () => {
    it.each<[string, Record<string, unknown>]>([
      ['nonce', { nonce: 'a'.repeat(31) }],
      ['nonce', { nonce: undefined }],
      ['issued_at', { issued_at: '2026-06-01T12:00:00Z' }],
      ['issued_at', { issued_at: '2026-06-01T13:00:00.000000Z', expires_at: '2026-06-01T13:30:00.000000Z' }],
      ['expires_at', { expires_at: undefined }],
      ['expires_at', { expires_at: ISSUED }],
      ['expires_at', { expires_at: toCanonicalTimestamp(new Date(timestampToMillis(ISSUED) + MAX_SESSION_OPEN_LIFETIME_MS + 1)) }],
    ])('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.%s', (field, overrides) => {
      expect(refusedField(overrides)).toBe(`statement.${field}`);
    });

    it('accepts a lifetime of exactly MAX_SESSION_OPEN_LIFETIME_MS', () => {
      const expiresAt = toCanonicalTimestamp(new Date(timestampToMillis(ISSUED) + MAX_SESSION_OPEN_LIFETIME_MS));
      expect(parseSessionOpenStatement(signed({ expires_at: expiresAt }), NOW).sessionId).toBe(SESSION_ID);
    });
  });

  describe('when now has reached expires_at', () => {
    it('throws DELIBERATION_AUTHORIZATION_EXPIRED with details.expiresAt', () => {
      const err = expectCode(() => parseSessionOpenStatement(signed(), timestampToMillis(EXPIRES)), DeliberationError, 'DELIBERATION_AUTHORIZATION_EXPIRED');
      expect(err.details).toEqual({ expiresAt: EXPIRES });
    });
  });

  describe('when the motion is not a motion', () => {
    it.each<[string, unknown]>([
      ['missing', undefined],
      ['a string', 'Rotate keeper keys'],
      ['of an unknown kind', { ...KEEPER_MOTION_JSON, kind: 'decree' }],
      ['with neither proposer nor submitted_by', { title: 'T', text: 'X', kind: 'open' }],
    ])('throws DELIBERATION_MOTION_INVALID (%s)', (_, motion) => {
      expectCode(() => parseSessionOpenStatement(signed({ motion }), NOW), DeliberationError, 'DELIBERATION_MOTION_INVALID');
    });
  });

  describe('when motion.submitted_by names another keeper than the signer', () => {
    it('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.motion.submitted_by', () => {
      expect(refusedField({ motion: { ...KEEPER_MOTION_JSON, submitted_by: 'KEEPER:bob' } })).toBe('statement.motion.submitted_by');
    });

    it('refuses the same statement signed by another keeper', () => {
      const err = expectCode(() => parseSessionOpenStatement(signed({}, 'KEEPER:bob'), NOW), DeliberationError, 'DELIBERATION_AUTHORIZATION_INVALID');
      expect(err.details?.field).toBe('statement.motion.submitted_by');
    });
  });

  describe('when rounds is not a whole number', () => {
    it.each<[unknown]>([[1.5], ['3'], [null], [Number.MAX_SAFE_INTEGER + 1]])('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.rounds (%j)', (rounds) => {
      expect(refusedField({ rounds })).toBe('statement.rounds');
    });
  });

  describe('when seed is empty, too long or not a string', () => {
    it.each<[string, unknown]>([
      ['empty', ''],
      [`${MAX_SEED + 1} characters`, 's'.repeat(MAX_SEED + 1)],
      ['a number', 7],
    ])('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.seed (%s)', (_, seed) => {
      expect(refusedField({ seed })).toBe('statement.seed');
    });

    it(`accepts a seed of ${MAX_SEED} characters`, () => {
      const seed = 's'.repeat(MAX_SEED);
      expect(parseSessionOpenStatement(signed({ seed }), NOW).seed).toBe(seed);
    });
  });

  describe('when validate_votes is not a boolean', () => {
    it.each<[unknown]>([['yes'], [1], ['true']])('throws DELIBERATION_AUTHORIZATION_INVALID naming statement.validate_votes (%j)', (validateVotes) => {
      expect(refusedField({ validate_votes: validateVotes })).toBe('statement.validate_votes');
    });
  });
});
