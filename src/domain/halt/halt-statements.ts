import { isUuid } from '../chain/identifiers.js';
import { HaltError } from '../errors.js';
import type { KeeperStatement } from '../signing/keeper-statement.js';
import { checkStatementWindow, type StatementWindowFaults } from '../signing/statement-window.js';

/** Statement type a keeper signs to halt the system (any single active keeper may). */
export const HALT_TRIGGER_TYPE = 'halt.trigger';
/** Statement type the keeper quorum signs to clear a halt. */
export const HALT_CLEAR_TYPE = 'halt.clear';

/** Longest a halt command stays usable: a signed halt is not a standing order to halt at some later time. */
export const MAX_TRIGGER_LIFETIME_MS = 60 * 60 * 1000;
/** Longest a clear statement stays usable: long enough to collect keepers' signatures, short enough to go stale. */
export const MAX_CLEAR_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Longest halt or clear reason, in UTF-16 code units. */
export const MAX_HALT_REASON = 1000;

/** A keeper's signed command to halt. */
export interface HaltTriggerStatement extends KeeperStatement {
  type: typeof HALT_TRIGGER_TYPE;
  reason: string;
  issued_at: string;
  expires_at: string;
  nonce: string;
}

/** What the keeper quorum signs to clear one halt. */
export interface HaltClearStatement extends KeeperStatement {
  type: typeof HALT_CLEAR_TYPE;
  /** A new UUID per ceremony: a ceremony clears one halt only (migration 007). */
  ceremony_id: string;
  /** The halt it clears: halt_state.halt_event_sequence, or halted_after_sequence for a halt recorded without an event. */
  halt_sequence: number;
  reason: string;
  issued_at: string;
  expires_at: string;
  nonce: string;
}

function invalid(field: string, rule: string): HaltError {
  return new HaltError({ code: 'HALT_CEREMONY_INVALID', message: `statement.${field} ${rule}`, details: { field } });
}

/** A halt or clear reason: trimmed, 1–1000 characters. Throws HaltError HALT_REASON_REQUIRED. */
export function requireHaltReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text === '' || text.length > MAX_HALT_REASON) {
    throw new HaltError({ code: 'HALT_REASON_REQUIRED', message: `a halt needs a reason of 1–${MAX_HALT_REASON} characters`, details: { field: 'reason' } });
  }
  return text;
}

/** Halt statements' faults: a member that breaks its rule (HALT_CEREMONY_INVALID), or an expired statement. */
const WINDOW_FAULTS: StatementWindowFaults = {
  invalid,
  expired: (expiresAt) => new HaltError({ code: 'HALT_CEREMONY_EXPIRED', message: `the statement expired at ${expiresAt}; create and sign a new one`, details: { expiresAt } }),
};

function checkWindow(statement: KeeperStatement, nowMs: number, maxLifetimeMs: number): void {
  checkStatementWindow(statement, nowMs, maxLifetimeMs, WINDOW_FAULTS);
}

/** Validates a keeper's halt command at `nowMs`. Throws HaltError HALT_CEREMONY_INVALID, HALT_CEREMONY_EXPIRED, HALT_REASON_REQUIRED. */
export function parseHaltTriggerStatement(statement: KeeperStatement, nowMs: number): HaltTriggerStatement {
  if (statement.type !== HALT_TRIGGER_TYPE) throw invalid('type', `must be ${HALT_TRIGGER_TYPE}`);
  requireHaltReason(statement.reason);
  checkWindow(statement, nowMs, MAX_TRIGGER_LIFETIME_MS);
  return statement as HaltTriggerStatement;
}

/** Validates a clear statement at `nowMs`. Throws HaltError HALT_CEREMONY_INVALID, HALT_CEREMONY_EXPIRED, HALT_REASON_REQUIRED. */
export function parseHaltClearStatement(statement: KeeperStatement, nowMs: number): HaltClearStatement {
  if (statement.type !== HALT_CLEAR_TYPE) throw invalid('type', `must be ${HALT_CLEAR_TYPE}`);
  if (typeof statement.ceremony_id !== 'string' || !isUuid(statement.ceremony_id)) throw invalid('ceremony_id', 'must be a lowercase UUID');
  const sequence = statement.halt_sequence;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) throw invalid('halt_sequence', 'must be a whole number ≥ 0');
  requireHaltReason(statement.reason);
  checkWindow(statement, nowMs, MAX_CLEAR_LIFETIME_MS);
  return statement as HaltClearStatement;
}

/** The sequence a clear statement must name for a halt: its halt.triggered event, else the head when it was raised. */
export function haltSequenceOf(halt: { haltEventSequence: number | undefined; haltedAfterSequence: number | undefined }): number {
  return halt.haltEventSequence ?? halt.haltedAfterSequence ?? 0;
}

/**
 * Event types stored while the system is halted: the halt's own records and a defensive revocation. Migration
 * 009's is_halt_record_event_type() is the rule; this copy lets the service refuse early and by name.
 */
export const HALT_RECORD_EVENT_TYPES: readonly string[] = ['halt.triggered', 'halt.cleared', 'key.revoked'];

/** True for an event type that may be stored while halted. */
export function isHaltRecordEventType(eventType: string): boolean {
  return HALT_RECORD_EVENT_TYPES.includes(eventType);
}
