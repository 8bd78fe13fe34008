import { describe, expect, it } from 'vitest';
import { openingPayload, parseOpening } from '../../../src/domain/deliberation/session-opening.js';
import { motionJson } from '../../../src/domain/deliberation/motion.js';
import { DeliberationError, InputError } from '../../../src/domain/errors.js';
import { expectCode } from '../../support/expect-code.js';
import { id, KEEPER_MOTION, KING_MOTION, openingFor, SEATS, SECRETARIES, WITNESS } from './drive-session.js';
import type { SessionOpening } from '../../../src/domain/deliberation/session-events.js';
import type { KeeperStatement, SignedKeeperStatement } from '../../../src/domain/signing/keeper-statement.js';

const OPENING = openingFor({ rules: { rounds: 2, validateVotes: true } });
/** A fresh copy of the opening's payload, as the log would hold it. */
const payload = (): Record<string, unknown> => structuredClone(openingPayload(OPENING));

function corrupt(change: (p: Record<string, unknown>) => void): DeliberationError {
  const p = payload();
  change(p);
  return expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT') as DeliberationError;
}

const rules = (p: Record<string, unknown>) => p.rules as Record<string, unknown>;
const seats = (p: Record<string, unknown>) => p.seats as Array<Record<string, unknown>>;

describe('openingPayload', () => {
  describe('given an opening', () => {
    it('writes the protocol member names: snake_case rules, seats as id and rank, the motion as motionJson', () => {
      const p = openingPayload(OPENING);
      expect(Object.keys(p).sort()).toEqual(['motion', 'provider', 'rules', 'seats', 'secretaries', 'seed', 'session_id', 'witness']);
      expect(p.rules).toEqual({
        rounds: 2,
        supermajority: { num: 2, den: 3 },
        quorum: { num: 1, den: 2 },
        digest_every: 10,
        consensus_share: { num: 85, den: 100 },
        consensus_min_speeches: 10,
        steelman_speakers: 3,
        red_team_size: 5,
        validate_votes: true,
      });
      expect(p.motion).toEqual({ title: OPENING.motion.title, text: OPENING.motion.text, kind: 'policy', proposer: id('Bael') });
      expect((p.seats as unknown[])[0]).toEqual({ id: id('Asmoday'), rank: 'King' });
      expect([p.session_id, p.secretaries, p.witness, p.seed, p.provider]).toEqual(['session-0001', SECRETARIES, WITNESS, 'seed-0001', 'simulated']);
    });
  });
});

describe('parseOpening', () => {
  describe("given openingPayload's output", () => {
    it('reads the same opening back', () => {
      expect(parseOpening(payload())).toEqual(OPENING);
    });

    it("reads a keeper's motion back", () => {
      const opening = openingFor({ motion: KEEPER_MOTION });
      expect(parseOpening(structuredClone(openingPayload(opening)))).toEqual(opening);
    });
  });

  describe('given validate_votes false', () => {
    it('reads it as false', () => {
      const p = payload();
      rules(p).validate_votes = false;
      expect(parseOpening(p).rules.validateVotes).toBe(false);
    });
  });

  describe('when the payload is not an object at all', () => {
    it('throws DELIBERATION_SESSION_CORRUPT', () => {
      expectCode(() => parseOpening(null as unknown as Record<string, unknown>), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });

  describe('when a field is missing or malformed', () => {
    it.each<[string, (p: Record<string, unknown>) => void]>([
      ['session_id missing', (p) => delete p.session_id],
      ['session_id empty', (p) => (p.session_id = '')],
      ['seed missing', (p) => delete p.seed],
      ['seed not a string', (p) => (p.seed = 7)],
      ['provider missing', (p) => delete p.provider],
      ['witness missing', (p) => delete p.witness],
      ['witness not seated', (p) => (p.witness = 'ARCHON:lucifer')],
      ['secretaries not an array', (p) => (p.secretaries = SECRETARIES[0])],
      ['one secretary', (p) => (p.secretaries = [SECRETARIES[0]])],
      ['three secretaries', (p) => (p.secretaries = [...SECRETARIES, WITNESS])],
      ['a secretary not a string', (p) => (p.secretaries = [SECRETARIES[0], 5])],
      ['a secretary not seated', (p) => (p.secretaries = [SECRETARIES[0], 'ARCHON:lucifer'])],
      ['seats not an array', (p) => (p.seats = {})],
      ['no seats', (p) => (p.seats = [])],
      ['a seat not an object', (p) => (seats(p)[3] = 'ARCHON:bael' as never)],
      ['a seat of unknown rank', (p) => (seats(p)[3] = { id: id('Beleth'), rank: 'Emperor' })],
      ['a seat without an id', (p) => (seats(p)[3] = { rank: 'King' })],
      ['a seat with an empty id', (p) => (seats(p)[3] = { id: '', rank: 'King' })],
      ['a seat twice', (p) => (seats(p)[3] = { id: id('Asmoday'), rank: 'King' })],
      ['rules missing', (p) => delete p.rules],
      ['rules an array', (p) => (p.rules = [])],
      ['rules.rounds not a number', (p) => (rules(p).rounds = '3')],
      ['rules.rounds out of range', (p) => (rules(p).rounds = 11)],
      ['rules.supermajority not an object', (p) => (rules(p).supermajority = 0.67)],
      ['rules.supermajority.num not a number', (p) => (rules(p).supermajority = { num: '2', den: 3 })],
      ['rules.supermajority.den missing', (p) => (rules(p).supermajority = { num: 2 })],
      ['rules.supermajority below its floor', (p) => (rules(p).supermajority = { num: 1, den: 2 })],
      ['rules.quorum null', (p) => (rules(p).quorum = null)],
      ['rules.quorum below its floor', (p) => (rules(p).quorum = { num: 1, den: 3 })],
      ['rules.digest_every missing', (p) => delete rules(p).digest_every],
      ['rules.consensus_share not a fraction', (p) => (rules(p).consensus_share = { num: 90, den: 80 })],
      ['rules.consensus_min_speeches not a number', (p) => (rules(p).consensus_min_speeches = null)],
      ['rules.steelman_speakers zero', (p) => (rules(p).steelman_speakers = 0)],
      ['rules.red_team_size missing', (p) => delete rules(p).red_team_size],
      ['rules.validate_votes not a boolean', (p) => (rules(p).validate_votes = 'true')],
      ['rules.validate_votes missing', (p) => delete rules(p).validate_votes],
      ['motion missing', (p) => delete p.motion],
      ['motion without a title', (p) => delete (p.motion as Record<string, unknown>).title],
      ['motion of an unknown kind', (p) => ((p.motion as Record<string, unknown>).kind = 'decree')],
      ['motion with both proposer and submitted_by', (p) => ((p.motion as Record<string, unknown>).submitted_by = 'KEEPER:alice')],
      ['motion proposed by an archon who is not a King', (p) => ((p.motion as Record<string, unknown>).proposer = id('Agares'))],
      ['motion proposed by an archon who is not seated', (p) => ((p.motion as Record<string, unknown>).proposer = 'ARCHON:lucifer')],
    ])('throws DELIBERATION_SESSION_CORRUPT for %s', (_, change) => {
      corrupt(change);
    });
  });

  describe('when the motion or rules are wrong', () => {
    it('keeps their error as the cause', () => {
      const err = corrupt((p) => (rules(p).supermajority = { num: 1, den: 2 }));
      expect(err.cause).toBeInstanceOf(DeliberationError);
      expect((err.cause as DeliberationError).code).toBe('DELIBERATION_MOTION_INVALID');
    });
  });

  describe('given a smaller Conclave', () => {
    it('reads any seats with known ranks and unique ids', () => {
      const small = SEATS.filter((s) => s.rank !== 'Duke');
      const opening = openingFor({ seats: small });
      expect(parseOpening(structuredClone(openingPayload(opening))).seats).toEqual(small);
    });
  });
});

/** A keeper's signed opening of `opening`: same session, motion, rounds, seed and vote validation, with `overrides` applied (undefined removes a member). */
function authorizationOf(opening: SessionOpening, overrides: Record<string, unknown> = {}): SignedKeeperStatement {
  const statement: Record<string, unknown> = {
    type: 'conclave.session.open',
    session_id: opening.sessionId,
    motion: motionJson(opening.motion),
    rounds: opening.rules.rounds,
    seed: opening.seed,
    validate_votes: opening.rules.validateVotes,
    issued_at: '2026-06-01T12:00:00.000000Z',
    expires_at: '2026-06-01T12:30:00.000000Z',
    nonce: '5eed'.repeat(8),
    ...overrides,
  };
  for (const name of Object.keys(statement)) if (statement[name] === undefined) delete statement[name];
  // parseOpening checks the document's shape, not the signature: any 64 bytes in padded base64 do.
  return { statement: statement as KeeperStatement, keeperId: 'KEEPER:alice', keyId: 'keeper-alice-2026', signature: `${'A'.repeat(86)}==` };
}

/** OPENING as a keeper opened it: a UUID session id and the keeper's signed statement. */
const KEEPER_OPENED: SessionOpening = (() => {
  const opening = { ...OPENING, sessionId: '018f3a00-0000-7000-8000-00000000c0de' };
  return { ...opening, authorization: authorizationOf(opening) };
})();

/** KEEPER_OPENED's payload with its authorization replaced by the protocol JSON of `authorization` (or by any value). */
function payloadAuthorizedBy(authorization: unknown, opening: SessionOpening = KEEPER_OPENED): Record<string, unknown> {
  const p = structuredClone(openingPayload(opening));
  p.authorization = structuredClone(authorization);
  return p;
}

/** The protocol JSON of a signed statement, written out here so the test does not lean on toSignedStatementJson. */
const documentOf = (signed: SignedKeeperStatement) => ({ statement: signed.statement, keeper_id: signed.keeperId, key_id: signed.keyId, signature: signed.signature });

describe('openingPayload with an authorization', () => {
  it('omits authorization when the opening has none', () => {
    expect(openingPayload(OPENING)).not.toHaveProperty('authorization');
  });

  it("writes the keeper's signed statement as the protocol JSON of a signed statement document", () => {
    const signed = KEEPER_OPENED.authorization as SignedKeeperStatement;
    expect(openingPayload(KEEPER_OPENED).authorization).toEqual(documentOf(signed));
  });
});

describe('parseOpening with an authorization', () => {
  describe("given openingPayload's output of a keeper-opened session", () => {
    it('reads the same opening back, authorization included', () => {
      expect(parseOpening(structuredClone(openingPayload(KEEPER_OPENED)))).toEqual(KEEPER_OPENED);
    });
  });

  describe('when the authorization is not a signed statement document', () => {
    const signed = KEEPER_OPENED.authorization as SignedKeeperStatement;
    it.each<[string, unknown]>([
      ['a string', 'signed by alice'],
      ['null', null],
      ['without a signature', { ...documentOf(signed), signature: undefined }],
      ['with a 63-byte signature', { ...documentOf(signed), signature: `${'A'.repeat(82)}=` }],
      ['with an extra member', { ...documentOf(signed), signed_at: '2026-06-01T12:00:00.000000Z' }],
      ['with a keeper_id that is not a keeper', { ...documentOf(signed), keeper_id: 'ARCHON:bael' }],
      ['with a statement that is not an object', { ...documentOf(signed), statement: 'open it' }],
    ])('throws DELIBERATION_SESSION_CORRUPT (%s), keeping the shape error as the cause', (_, authorization) => {
      const err = expectCode(() => parseOpening(payloadAuthorizedBy(authorization)), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expect(err.cause).toBeInstanceOf(InputError);
    });
  });

  describe('when the authorization does not open this session', () => {
    it('throws DELIBERATION_SESSION_CORRUPT for a statement of another type', () => {
      const p = payloadAuthorizedBy(documentOf(authorizationOf(KEEPER_OPENED, { type: 'halt.trigger' })));
      expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });

    it('throws DELIBERATION_SESSION_CORRUPT for a statement naming another session_id', () => {
      const p = payloadAuthorizedBy(documentOf(authorizationOf(KEEPER_OPENED, { session_id: '018f3a00-0000-7000-8000-00000000beef' })));
      expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });

    it('throws DELIBERATION_SESSION_CORRUPT for a statement without a session_id', () => {
      const p = payloadAuthorizedBy(documentOf(authorizationOf(KEEPER_OPENED, { session_id: undefined })));
      expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });

  describe('when the authorization signs another motion', () => {
    it('throws DELIBERATION_SESSION_CORRUPT for a different title', () => {
      const motion = { ...motionJson(KING_MOTION), title: 'Keep the audit trail private' };
      const p = payloadAuthorizedBy(documentOf(authorizationOf(KEEPER_OPENED, { motion })));
      expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });

    it("throws DELIBERATION_SESSION_CORRUPT for a keeper's motion where the session has a King's", () => {
      const p = payloadAuthorizedBy(documentOf(authorizationOf(KEEPER_OPENED, { motion: motionJson(KEEPER_MOTION) })));
      expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });

    it('throws DELIBERATION_SESSION_CORRUPT for a statement motion that is not a motion, keeping its error as the cause', () => {
      const p = payloadAuthorizedBy(documentOf(authorizationOf(KEEPER_OPENED, { motion: { title: KING_MOTION.title } })));
      const err = expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
      expect((err.cause as DeliberationError).code).toBe('DELIBERATION_MOTION_INVALID');
    });
  });

  describe("when the authorization names other rules or seed than the session's", () => {
    it.each<[string, Record<string, unknown>]>([
      ['other rounds', { rounds: KEEPER_OPENED.rules.rounds + 1 }],
      ['another seed', { seed: `${KEEPER_OPENED.seed}-other` }],
      ['the other validate_votes', { validate_votes: !KEEPER_OPENED.rules.validateVotes }],
      ['no validate_votes, where the session validates votes', { validate_votes: undefined }],
    ])('throws DELIBERATION_SESSION_CORRUPT for %s', (_, overrides) => {
      expect(KEEPER_OPENED.rules.validateVotes).toBe(true);
      const p = payloadAuthorizedBy(documentOf(authorizationOf(KEEPER_OPENED, overrides)));
      expectCode(() => parseOpening(p), DeliberationError, 'DELIBERATION_SESSION_CORRUPT');
    });
  });

  describe('when the authorization omits rounds and seed but matches validate_votes', () => {
    it('accepts it and keeps it', () => {
      const authorization = authorizationOf(KEEPER_OPENED, { rounds: undefined, seed: undefined });
      const opening = parseOpening(payloadAuthorizedBy(documentOf(authorization)));
      expect(opening.authorization).toEqual(authorization);
      expect(opening.authorization?.statement).not.toHaveProperty('rounds');
      expect(opening.authorization?.statement).not.toHaveProperty('seed');
    });
  });

  describe('when the authorization omits validate_votes', () => {
    it('reads it as false: accepted for a session that does not validate votes', () => {
      const base = { ...KEEPER_OPENED, rules: { ...KEEPER_OPENED.rules, validateVotes: false } };
      const authorization = authorizationOf(base, { validate_votes: undefined });
      const opening: SessionOpening = { ...base, authorization };
      expect(parseOpening(structuredClone(openingPayload(opening)))).toEqual(opening);
    });
  });
});
