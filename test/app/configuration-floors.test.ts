import { describe, expect, it } from 'vitest';
import { operationalLimitViolations, requireConfigurationFloors } from '../../src/app/configuration-floors.js';
import { governanceSettings } from '../../src/domain/governance/constitutional-limits.js';
import { StartupFloorViolationError } from '../../src/domain/errors.js';
import { expectRejection } from '../support/expect-rejection.js';
import type { ConstitutionStore } from '../../src/app/ports.js';

/** A constitution store holding `rows` (constitutional_config key → value); the other settings are initial. */
function constitution(rows: Record<string, number> = {}): ConstitutionStore {
  return {
    settings: async () => new Map(Object.entries(rows)),
    violationAttempts: async () => ({ counted: 0, acknowledged: 0 }),
    acknowledgeViolationAttempts: async () => undefined,
  };
}

const defaults = { haltPollMs: 500, checkpointIntervalSeconds: 60 };

describe('operationalLimitViolations', () => {
  const initial = governanceSettings(new Map());

  it('accepts CHECKPOINT_INTERVAL_SECONDS up to checkpoint_max_age_seconds', () => {
    expect(operationalLimitViolations(defaults, initial)).toEqual([]);
    expect(operationalLimitViolations({ ...defaults, checkpointIntervalSeconds: 3600 }, initial)).toEqual([]);
  });

  it('reports CHECKPOINT_INTERVAL_SECONDS above checkpoint_max_age_seconds as a ceiling, beside HALT_POLL_MS', () => {
    expect(operationalLimitViolations({ haltPollMs: 1001, checkpointIntervalSeconds: 3601 }, initial)).toEqual([
      expect.objectContaining({ source: 'HALT_POLL_MS', value: 1001, limit: 1000 }),
      { source: 'CHECKPOINT_INTERVAL_SECONDS', value: 3601, bound: 'ceiling', limit: 3600, rule: 'at most constitutional_config.checkpoint_max_age_seconds (3600 s)' },
    ]);
  });
});

describe('requireConfigurationFloors', () => {
  it('returns the settings in force when the configuration is within them', async () => {
    expect(await requireConfigurationFloors(constitution({ checkpoint_max_age_seconds: 60 }), defaults)).toMatchObject({ checkpoint_max_age_seconds: 60 });
  });

  describe('when CHECKPOINT_INTERVAL_SECONDS exceeds checkpoint_max_age_seconds', () => {
    it('throws StartupFloorViolationError CONFIG_FLOOR_VIOLATION naming both values', async () => {
      const err = await expectRejection(requireConfigurationFloors(constitution({ checkpoint_max_age_seconds: 30 }), defaults), StartupFloorViolationError, 'CONFIG_FLOOR_VIOLATION');
      expect(err.message).toBe(
        'CHECKPOINT_INTERVAL_SECONDS = 60 is above its constitutional ceiling 30 (at most constitutional_config.checkpoint_max_age_seconds (30 s)); ' +
          'restore the value (constitutional_config through a migration, or the environment variable)',
      );
      expect(err.details).toEqual({ violations: [{ source: 'CHECKPOINT_INTERVAL_SECONDS', value: 60, bound: 'ceiling', limit: 30, rule: 'at most constitutional_config.checkpoint_max_age_seconds (30 s)' }] });
    });
  });
});
