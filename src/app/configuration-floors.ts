import { StartupFloorViolationError } from '../domain/errors.js';
import {
  describeViolations,
  governanceSettings,
  operationalViolations,
  settingViolations,
  type GovernanceSettings,
  type LimitViolation,
  type OperationalSettings,
} from '../domain/governance/constitutional-limits.js';
import type { ConstitutionStore } from './ports.js';

/** The serving configuration bounded by a governance setting: the environment may tighten one, never loosen it. */
export interface OperationalLimits extends OperationalSettings {
  /**
   * CHECKPOINT_INTERVAL_SECONDS: how old the latest checkpoint gets before the next is published; may not exceed
   * checkpoint_max_age_seconds, or the latest checkpoint could never stay younger than that.
   */
  checkpointIntervalSeconds: number;
}

/**
 * Every value of `operational` looser than the governance setting bounding it: HALT_POLL_MS above
 * halt_confirmation_window_ms (operationalViolations), CHECKPOINT_INTERVAL_SECONDS above checkpoint_max_age_seconds.
 */
export function operationalLimitViolations(operational: OperationalLimits, settings: GovernanceSettings): LimitViolation[] {
  const maxAge = settings.checkpoint_max_age_seconds;
  const checkpoint: LimitViolation[] =
    operational.checkpointIntervalSeconds > maxAge
      ? [{ source: 'CHECKPOINT_INTERVAL_SECONDS', value: operational.checkpointIntervalSeconds, bound: 'ceiling', limit: maxAge, rule: `at most constitutional_config.checkpoint_max_age_seconds (${maxAge} s)` }]
      : [];
  return [...operationalViolations(operational, settings), ...checkpoint];
}

/**
 * Reads the governance thresholds in force (constitutional_config, or the initial values for settings a schema
 * before migration 010 lacks) and checks each, and the configuration bounded by them (operationalLimitViolations),
 * against its constitutional floor or ceiling. Throws StartupFloorViolationError CONFIG_FLOOR_VIOLATION naming
 * every value out of bounds.
 */
export async function requireConfigurationFloors(store: ConstitutionStore, operational: OperationalLimits): Promise<GovernanceSettings> {
  const settings = governanceSettings(await store.settings());
  const violations = [...settingViolations(settings), ...operationalLimitViolations(operational, settings)];
  if (violations.length > 0) {
    throw new StartupFloorViolationError({
      code: 'CONFIG_FLOOR_VIOLATION',
      message: `${describeViolations(violations)}; restore the value (constitutional_config through a migration, or the environment variable)`,
      details: { violations },
    });
  }
  return settings;
}
