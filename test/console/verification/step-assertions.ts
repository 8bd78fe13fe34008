import { webcrypto } from 'node:crypto';
import { expect } from 'vitest';
import { webCryptoEd25519 } from '../../../src/console/verification/webcrypto-ed25519.js';
import type { VerificationStep, VerificationStepId } from '../../../src/console/verification/verify-event-in-browser.js';
import type { ErrorCode } from '../../../src/domain/errors.js';

/** The console's verifier, on Node's WebCrypto (the e2e suite runs the same module in Chromium). */
export const nodeWebCrypto = webCryptoEd25519(webcrypto.subtle);

/** Every step id, in the order verifyEventInBrowser reports them. */
export const STEP_IDS: readonly VerificationStepId[] = ['chain-link', 'content-hash', 'agent-signature', 'witness-selection', 'witness-signature', 'checkpoint-signature', 'inclusion'];

/** [id, outcome] of each step, for whole-report comparisons. */
export function outcomes(steps: readonly VerificationStep[]): Array<[VerificationStepId, VerificationStep['outcome']]> {
  return steps.map((s) => [s.id, s.outcome]);
}

/**
 * Asserts the report failed at `id` with `code` (the detail starts with the code), every step before it passed and
 * every step after it was skipped. Returns the failed step.
 */
export function expectFailureAt(steps: readonly VerificationStep[], id: VerificationStepId, code: ErrorCode | 'unexpected error'): VerificationStep {
  const at = STEP_IDS.indexOf(id);
  expect(outcomes(steps)).toEqual(STEP_IDS.map((s, i) => [s, i < at ? 'passed' : i === at ? 'failed' : 'skipped']));
  const failed = steps[at] as VerificationStep;
  expect(failed.detail.startsWith(`${code}: `), failed.detail).toBe(true);
  return failed;
}
