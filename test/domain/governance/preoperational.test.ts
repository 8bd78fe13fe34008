import { describe, expect, it } from 'vitest';
import { decidePreoperational, PREOPERATIONAL_CHECKS, VERIFICATION_BYPASS_LIMIT, type CheckResult } from '../../../src/domain/governance/preoperational.js';

const passing: CheckResult[] = PREOPERATIONAL_CHECKS.map((check) => ({ check, status: 'passed', detail: 'ok' }));
const failing = (check: CheckResult['check']): CheckResult[] => passing.map((r) => (r.check === check ? { ...r, status: 'failed', detail: 'broken' } : r));
const noBypass = { requested: false, usedInWindow: 0, postHalt: false, halted: false };
const bypass = { ...noBypass, requested: true };

describe('the pre-operational decision (FR146)', () => {
  it('passes when no check failed; warnings and skips do not stop startup', () => {
    expect(decidePreoperational(passing, noBypass)).toEqual({ kind: 'passed' });
    const mixed = passing.map((r, i) => (i === 2 ? { ...r, status: 'warning' as const } : i === 3 ? { ...r, status: 'skipped' as const } : r));
    expect(decidePreoperational(mixed, noBypass)).toEqual({ kind: 'passed' });
  });

  it('fails, naming the failed checks, when no bypass was requested', () => {
    const outcome = decidePreoperational(failing('witness_pool_availability'), noBypass);
    expect(outcome).toEqual({ kind: 'failed', failed: [{ check: 'witness_pool_availability', status: 'failed', detail: 'broken' }], bypassRefused: undefined });
  });

  it('bypasses a failed check other than the chain and the halt, within the limit', () => {
    const outcome = decidePreoperational(failing('replica_sync'), { ...bypass, usedInWindow: VERIFICATION_BYPASS_LIMIT.perWindow - 1 });
    expect(outcome.kind).toBe('bypassed');
  });

  it.each(['hash_chain_integrity', 'halt_state'] as const)('never bypasses %s', (check) => {
    const outcome = decidePreoperational(failing(check), bypass);
    expect(outcome).toMatchObject({ kind: 'failed', bypassRefused: `${check} cannot be bypassed` });
  });

  it('never bypasses while halted or after a cleared halt', () => {
    expect(decidePreoperational(failing('replica_sync'), { ...bypass, halted: true })).toMatchObject({ kind: 'failed', bypassRefused: 'the system is halted' });
    expect(decidePreoperational(failing('replica_sync'), { ...bypass, postHalt: true })).toMatchObject({ kind: 'failed', bypassRefused: expect.stringContaining('follows a cleared halt') });
  });

  it('refuses a bypass once the window holds the maximum', () => {
    const outcome = decidePreoperational(failing('keeper_key_availability'), { ...bypass, usedInWindow: VERIFICATION_BYPASS_LIMIT.perWindow });
    expect(outcome).toMatchObject({ kind: 'failed', bypassRefused: '3 bypasses were already used in the last 3600 s (at most 3)' });
  });
});
