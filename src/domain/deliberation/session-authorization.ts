import { isUuid } from '../chain/identifiers.js';
import { DeliberationError } from '../errors.js';
import { checkStatementWindow, type StatementWindowFaults } from '../signing/statement-window.js';
import { parseMotion, type Motion } from './motion.js';
import { MAX_SEED } from './session-rules.js';
import type { SignedKeeperStatement } from '../signing/keeper-statement.js';

/** Statement type a keeper signs to open a Conclave session (POST /v1/conclave/sessions without ADMIN_TOKEN). */
export const SESSION_OPEN_TYPE = 'conclave.session.open';
/** Longest a signed opening stays usable: it commands a session now, not at some later time. */
export const MAX_SESSION_OPEN_LIFETIME_MS = 60 * 60 * 1000;

const MEMBERS = new Set(['type', 'session_id', 'motion', 'rounds', 'seed', 'validate_votes', 'issued_at', 'expires_at', 'nonce']);

/** What a keeper's signed opening asks for: the session's id (chosen by the keeper), its motion and rules. */
export interface SessionOpenRequest {
  sessionId: string;
  motion: Motion;
  rounds?: number;
  seed?: string;
  validateVotes?: boolean;
}

function invalid(field: string, rule: string): DeliberationError {
  return new DeliberationError({ code: 'DELIBERATION_AUTHORIZATION_INVALID', message: `statement.${field} ${rule}`, details: { field: `statement.${field}` } });
}

const WINDOW_FAULTS: StatementWindowFaults = {
  invalid,
  expired: (expiresAt) =>
    new DeliberationError({ code: 'DELIBERATION_AUTHORIZATION_EXPIRED', message: `the signed opening expired at ${expiresAt}; create and sign a new one`, details: { expiresAt } }),
};

/**
 * Reads a keeper's signed opening of a session (docs/PROTOCOL.md §18.4) at `nowMs`: a `conclave.session.open`
 * statement with `session_id` (a lowercase UUID: a session opens once, so the statement cannot be replayed), the
 * `motion`, optional `rounds`, `seed` and `validate_votes`, and the window of every commanding statement
 * (issued_at, expires_at at most an hour later, nonce). A motion the keeper submits names the keeper who signed.
 * Checks content only; the caller verifies the signature (verifySignedStatement) against the keeper keys.
 * Throws DeliberationError DELIBERATION_AUTHORIZATION_INVALID naming the member, DELIBERATION_AUTHORIZATION_EXPIRED,
 * or DELIBERATION_MOTION_INVALID (parseMotion).
 */
export function parseSessionOpenStatement(signed: SignedKeeperStatement, nowMs: number): SessionOpenRequest {
  const { statement } = signed;
  if (statement.type !== SESSION_OPEN_TYPE) throw invalid('type', `must be ${SESSION_OPEN_TYPE}`);
  const extra = Object.keys(statement).find((name) => !MEMBERS.has(name));
  if (extra !== undefined) throw invalid(extra, `is not a member of a ${SESSION_OPEN_TYPE} statement`);
  const sessionId = statement.session_id;
  if (typeof sessionId !== 'string' || !isUuid(sessionId)) throw invalid('session_id', 'must be a lowercase UUID, new for this session');
  checkStatementWindow(statement, nowMs, MAX_SESSION_OPEN_LIFETIME_MS, WINDOW_FAULTS);
  const motion = parseMotion(statement.motion);
  if (motion.submittedBy !== undefined && motion.submittedBy !== signed.keeperId) {
    throw invalid('motion.submitted_by', `must be the keeper who signed (${signed.keeperId}), not ${motion.submittedBy}`);
  }
  const { rounds, seed, validate_votes: validateVotes } = statement;
  if (rounds !== undefined && (typeof rounds !== 'number' || !Number.isSafeInteger(rounds))) throw invalid('rounds', 'must be a whole number');
  if (seed !== undefined && (typeof seed !== 'string' || seed.length === 0 || seed.length > MAX_SEED)) throw invalid('seed', `must be 1–${MAX_SEED} characters`);
  if (validateVotes !== undefined && typeof validateVotes !== 'boolean') throw invalid('validate_votes', 'must be true or false');
  return {
    sessionId,
    motion,
    ...(rounds === undefined ? {} : { rounds }),
    ...(seed === undefined ? {} : { seed }),
    ...(validateVotes === undefined ? {} : { validateVotes }),
  };
}
