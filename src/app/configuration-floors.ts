import { StartupFloorViolationError } from '../domain/errors.js';
import {
  describeViolations,
  governanceSettings,
  operationalViolations,
  settingViolations,
  type GovernanceSettings,
  type OperationalSettings,
} from '../domain/governance/constitutional-limits.js';
import type { ConstitutionStore } from './ports.js';

/**
 * Reads the governance thresholds in force (constitutional_config, or the initial values for settings a schema
 * before migration 010 lacks) and checks each, and the configuration bounded by them, against its constitutional
 * floor or ceiling. Throws StartupFloorViolationError CONFIG_FLOOR_VIOLATION naming every value out of bounds.
 */
export async function requireConfigurationFloors(store: ConstitutionStore, operational: OperationalSettings): Promise<GovernanceSettings> {
  const settings = governanceSettings(await store.settings());
  const violations = [...settingViolations(settings), ...operationalViolations(operational, settings)];
  if (violations.length > 0) {
    throw new StartupFloorViolationError({
      code: 'CONFIG_FLOOR_VIOLATION',
      message: `${describeViolations(violations)}; restore the value (constitutional_config through a migration, or the environment variable)`,
      details: { violations },
    });
  }
  return settings;
}
