import { describe, expect, it } from 'vitest';
import { assessConstitutionalHealth, type GovernanceFacts } from '../../../src/domain/governance/constitutional-health.js';

const healthy: GovernanceFacts = {
  halted: false,
  witnessPool: 12,
  witnessPoolMinimum: 6,
  witnessPoolHighStakesMinimum: 12,
  activeKeepers: 2,
  keeperQuorum: 2,
  limitViolations: 0,
  recentDriftWarnings: 0,
  verification: 'passed',
  checkpointAgeSeconds: undefined,
  checkpointMaxAgeSeconds: 3600,
  eventsExist: true,
};

describe('constitutional health', () => {
  it('is healthy with nothing to report', () => {
    expect(assessConstitutionalHealth(healthy)).toEqual({ status: 'healthy', reasons: [] });
    expect(assessConstitutionalHealth({ ...healthy, checkpointAgeSeconds: 3600 })).toEqual({ status: 'healthy', reasons: [] });
  });

  it.each<[string, Partial<GovernanceFacts>, string]>([
    ['halted', { halted: true }, 'the system is halted'],
    ['a pool below the minimum', { witnessPool: 5 }, 'witness pool 5 is below its minimum 6'],
    ['keepers below quorum', { activeKeepers: 1 }, '1 active keepers, fewer than the quorum 2: a halt could not be cleared'],
    ['a broken limit', { limitViolations: 2 }, '2 governance setting(s) outside their constitutional limits'],
    ['a failed verification', { verification: 'failed' }, 'pre-operational verification failed'],
  ])('is unhealthy when %s', (_what, facts, reason) => {
    expect(assessConstitutionalHealth({ ...healthy, ...facts })).toEqual({ status: 'unhealthy', reasons: [reason] });
  });

  it.each<[string, Partial<GovernanceFacts>, string]>([
    ['the pool cannot witness high-stakes events', { witnessPool: 8 }, 'witness pool 8 is below the high-stakes minimum 12'],
    ['verification was bypassed', { verification: 'bypassed' }, 'pre-operational verification was bypassed (ALLOW_VERIFICATION_BYPASS)'],
    ['clocks drifted recently', { recentDriftWarnings: 3 }, '3 clock-drift warning(s) recently'],
    ['the checkpoint is stale', { checkpointAgeSeconds: 3601 }, 'the latest checkpoint is 3601 s old (at most 3600)'],
  ])('warns when %s', (_what, facts, reason) => {
    expect(assessConstitutionalHealth({ ...healthy, ...facts })).toEqual({ status: 'warning', reasons: [reason] });
  });

  it('does not warn about a stale checkpoint of an empty log', () => {
    expect(assessConstitutionalHealth({ ...healthy, eventsExist: false, checkpointAgeSeconds: 99_999 }).status).toBe('healthy');
  });

  it('lists warnings after the reasons it is unhealthy', () => {
    expect(assessConstitutionalHealth({ ...healthy, halted: true, recentDriftWarnings: 1 })).toEqual({
      status: 'unhealthy',
      reasons: ['the system is halted', '1 clock-drift warning(s) recently'],
    });
  });
});
