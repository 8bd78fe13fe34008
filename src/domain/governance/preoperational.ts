/**
 * FR146: the six pre-operational checks of runbook §6.2 and the rule that decides whether the service may start.
 * The checks themselves run in src/app/preoperational; this is only the decision, fed their results.
 */
export const PREOPERATIONAL_CHECKS = [
  'hash_chain_integrity',
  'witness_pool_availability',
  'keeper_key_availability',
  'checkpoint_anchors',
  'halt_state',
  'replica_sync',
] as const;

export type PreoperationalCheck = (typeof PREOPERATIONAL_CHECKS)[number];

/** passed; failed (stops startup); warning (starts, and says so); skipped (nothing to check, with the reason). */
export type CheckStatus = 'passed' | 'failed' | 'warning' | 'skipped';

export interface CheckResult {
  check: PreoperationalCheck;
  status: CheckStatus;
  detail: string;
}

/** ALLOW_VERIFICATION_BYPASS outside production: at most this many bypassed startups per window. */
export const VERIFICATION_BYPASS_LIMIT = { perWindow: 3, windowSeconds: 3600 } as const;

/**
 * Checks no bypass can skip: a broken chain halts the system (CT-13) and a halt is never started around.
 */
export const UNBYPASSABLE_CHECKS: readonly PreoperationalCheck[] = ['hash_chain_integrity', 'halt_state'];

export interface BypassContext {
  /** ALLOW_VERIFICATION_BYPASS=true (only accepted outside production). */
  requested: boolean;
  /** Bypassed startups recorded within the last VERIFICATION_BYPASS_LIMIT.windowSeconds. */
  usedInWindow: number;
  /** This start follows a cleared halt (runbook §10.4: no bypass for post-halt recovery). */
  postHalt: boolean;
  /** The system is halted now. */
  halted: boolean;
}

export type PreoperationalOutcome =
  | { kind: 'passed' }
  | { kind: 'bypassed'; failed: CheckResult[] }
  | { kind: 'failed'; failed: CheckResult[]; bypassRefused: string | undefined };

/**
 * Passed when no check failed. Otherwise failed, unless a bypass was requested and allowed: only for checks other
 * than hash-chain integrity and halt state, never after or during a halt, and at most
 * VERIFICATION_BYPASS_LIMIT.perWindow times per window. `bypassRefused` says why a requested bypass was refused.
 */
export function decidePreoperational(results: readonly CheckResult[], bypass: BypassContext): PreoperationalOutcome {
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length === 0) return { kind: 'passed' };
  if (!bypass.requested) return { kind: 'failed', failed, bypassRefused: undefined };
  const refusal = bypassRefusal(failed, bypass);
  return refusal === undefined ? { kind: 'bypassed', failed } : { kind: 'failed', failed, bypassRefused: refusal };
}

function bypassRefusal(failed: readonly CheckResult[], bypass: BypassContext): string | undefined {
  const unbypassable = failed.filter((r) => UNBYPASSABLE_CHECKS.includes(r.check));
  if (unbypassable.length > 0) return `${unbypassable.map((r) => r.check).join(', ')} cannot be bypassed`;
  if (bypass.halted) return 'the system is halted';
  if (bypass.postHalt) return 'this start follows a cleared halt (runbook §10.4: no bypass for post-halt recovery)';
  const { perWindow, windowSeconds } = VERIFICATION_BYPASS_LIMIT;
  if (bypass.usedInWindow >= perWindow) return `${bypass.usedInWindow} bypasses were already used in the last ${windowSeconds} s (at most ${perWindow})`;
  return undefined;
}
