import { isCanonicalTimestamp, microsSince } from '../chain/timestamp.js';
import type { KeeperStatement } from './keeper-statement.js';

/** Clock difference tolerated between a keeper's machine and the service for issued_at. */
export const ISSUE_SKEW_MS = 5 * 60 * 1000;

const NONCE = /^[0-9a-f]{32,128}$/;

/** How the caller names a statement's faults: a member that breaks its rule, and a statement used after it expired. */
export interface StatementWindowFaults {
  invalid(field: string, rule: string): Error;
  expired(expiresAt: string): Error;
}

/**
 * The time window of a keeper statement that commands something now (docs/PROTOCOL.md §14): `issued_at` and
 * `expires_at` canonical timestamps, `expires_at` after `issued_at` by at most `maxLifetimeMs`, `issued_at` not
 * after now beyond ISSUE_SKEW_MS, now before `expires_at`, and a `nonce` of 32–128 lowercase hex digits (so two
 * statements saying the same thing are still two). A signed statement is not a standing order for later.
 * Throws faults.invalid naming the member, or faults.expired.
 */
export function checkStatementWindow(statement: KeeperStatement, nowMs: number, maxLifetimeMs: number, faults: StatementWindowFaults): void {
  const { issued_at: issuedAt, expires_at: expiresAt, nonce } = statement;
  if (typeof issuedAt !== 'string' || !isCanonicalTimestamp(issuedAt)) throw faults.invalid('issued_at', 'must be a canonical timestamp');
  if (typeof expiresAt !== 'string' || !isCanonicalTimestamp(expiresAt)) throw faults.invalid('expires_at', 'must be a canonical timestamp');
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) throw faults.invalid('nonce', 'must be 32–128 lowercase hex digits');
  // In microseconds from now, the timestamps' own resolution: a millisecond comparison would let a window exceed
  // its limit by up to 999 µs.
  const issued = microsSince(nowMs, issuedAt);
  const expires = microsSince(nowMs, expiresAt);
  if (expires <= issued || expires - issued > maxLifetimeMs * 1000) {
    throw faults.invalid('expires_at', `must be after issued_at by at most ${maxLifetimeMs / 60_000} minutes`);
  }
  if (issued > ISSUE_SKEW_MS * 1000) throw faults.invalid('issued_at', 'is in the future');
  if (expires <= 0) throw faults.expired(expiresAt);
}
