import { AppError } from '../../domain/errors.js';
import type { EventCheckId } from '../../domain/verify-stored-event.js';

/** Ids of the browser's checks: the domain's per-event checks (EVENT_CHECKS), then the two Merkle ones. */
export type VerificationStepId = EventCheckId | 'checkpoint-signature' | 'inclusion';

/**
 * passed: the rule holds. failed: it does not, or the input it needs is malformed (the detail says which and why).
 * skipped: not checked: no checkpoint covers the event yet, or an earlier step failed.
 */
export type VerificationOutcome = 'passed' | 'failed' | 'skipped';

/** One line of the verification report the console shows. */
export interface VerificationStep {
  id: VerificationStepId;
  /** A short human name of the check. */
  label: string;
  outcome: VerificationOutcome;
  /** What was checked (the recomputed hash, the key id, …) or, on failure, the error's code and message. */
  detail: string;
}

/** What a step's check reports. A check may also throw: that is its failure, detailed by failureDetail. */
export interface StepResult {
  outcome: VerificationOutcome;
  detail: string;
}

/** The detail of a failed step: the typed error's stable code and its message, or any other error's message. */
export function failureDetail(err: unknown): string {
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  return `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}
