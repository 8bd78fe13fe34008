import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CONSTITUTIONAL_LIMITS,
  describeViolations,
  governanceSettings,
  isConstitutionalSetting,
  operationalViolations,
  SETTINGS,
  settingViolations,
  type GovernanceSettings,
} from '../../../src/domain/governance/constitutional-limits.js';

const initial = governanceSettings(new Map());

describe('constitutional limits', () => {
  it('starts from initial values that are within every limit', () => {
    for (const setting of SETTINGS) expect(initial[setting]).toBe(CONSTITUTIONAL_LIMITS[setting].initial);
    expect(settingViolations(initial)).toEqual([]);
  });

  it('takes constitutional_config rows over initial values and ignores keys it does not govern', () => {
    const settings = governanceSettings(new Map([['witness_pool_minimum', 9], ['unrelated', 1]]));
    expect(settings.witness_pool_minimum).toBe(9);
    expect(Object.keys(settings)).not.toContain('unrelated');
  });

  it('knows which keys it governs', () => {
    expect(isConstitutionalSetting('minimum_keeper_quorum')).toBe(true);
    expect(isConstitutionalSetting('toString')).toBe(false);
    expect(isConstitutionalSetting('vote_threshold_percent')).toBe(false);
  });

  it('reports a value below its floor', () => {
    const violations = settingViolations({ ...initial, minimum_keeper_quorum: 1 });
    expect(violations).toEqual([{ source: 'constitutional_config.minimum_keeper_quorum', value: 1, bound: 'floor', limit: 2, rule: 'at least 2 keepers' }]);
    expect(describeViolations(violations)).toBe('constitutional_config.minimum_keeper_quorum = 1 is below its constitutional floor 2 (at least 2 keepers)');
  });

  it('reports a value above its ceiling, where a larger value is weaker', () => {
    const violations = settingViolations({ ...initial, clock_drift_threshold_seconds: 61 });
    expect(violations).toEqual([{ source: 'constitutional_config.clock_drift_threshold_seconds', value: 61, bound: 'ceiling', limit: 60, rule: 'at most 60 seconds' }]);
    expect(describeViolations(violations)).toContain('is above its constitutional ceiling 60');
  });

  it('treats a value that is not a number as outside both bounds', () => {
    const violations = settingViolations({ ...initial, halt_confirmation_window_ms: Number.NaN });
    expect(violations.map((v) => v.bound)).toEqual(['floor', 'ceiling']);
  });

  it('reports every setting outside its limits, one line each joined', () => {
    const violations = settingViolations({ ...initial, witness_pool_minimum: 5, event_timestamp_window_seconds: 901 });
    expect(violations.map((v) => v.source)).toEqual(['constitutional_config.witness_pool_minimum', 'constitutional_config.event_timestamp_window_seconds']);
    expect(describeViolations(violations).split('; ')).toHaveLength(2);
  });

  it('holds exactly the values within [floor, ceiling]', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SETTINGS), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (setting, value) => {
        const { floor, ceiling } = CONSTITUTIONAL_LIMITS[setting] as { floor: number | undefined; ceiling: number | undefined };
        const within = (floor === undefined || value >= floor) && (ceiling === undefined || value <= ceiling);
        const settings: GovernanceSettings = { ...initial, [setting]: value };
        expect(settingViolations(settings).length === 0).toBe(within);
      }),
    );
  });

  it('lets HALT_POLL_MS tighten the halt confirmation window, never loosen it', () => {
    expect(operationalViolations({ haltPollMs: 1000 }, initial)).toEqual([]);
    expect(operationalViolations({ haltPollMs: 50 }, initial)).toEqual([]);
    const violations = operationalViolations({ haltPollMs: 1001 }, initial);
    expect(violations).toEqual([{ source: 'HALT_POLL_MS', value: 1001, bound: 'ceiling', limit: 1000, rule: 'at most constitutional_config.halt_confirmation_window_ms (1000 ms)' }]);
    expect(operationalViolations({ haltPollMs: 1001 }, { ...initial, halt_confirmation_window_ms: 2000 })).toEqual([]);
  });
});
