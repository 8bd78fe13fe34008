/**
 * The constitutional limits of every governance threshold in constitutional_config. A floor is the smallest value
 * allowed (a smaller one is weaker), a ceiling the largest (a larger one is weaker). Migration 010's
 * constitutional_floor() and constitutional_ceiling() hold the same numbers; a contract test checks that they agree.
 * `initial` is the value the migrations insert, used where a setting is not yet in the database.
 */
export const CONSTITUTIONAL_LIMITS = {
  minimum_keeper_quorum: { floor: 2, ceiling: undefined, initial: 2, unit: 'keepers' },
  witness_pool_minimum: { floor: 6, ceiling: undefined, initial: 6, unit: 'witnesses' },
  witness_pool_high_stakes_minimum: { floor: 12, ceiling: undefined, initial: 12, unit: 'witnesses' },
  clock_drift_threshold_seconds: { floor: 0, ceiling: 60, initial: 5, unit: 'seconds' },
  checkpoint_max_age_seconds: { floor: 1, ceiling: 86_400, initial: 3600, unit: 'seconds' },
  halt_confirmation_window_ms: { floor: 50, ceiling: 5000, initial: 1000, unit: 'milliseconds' },
  event_timestamp_window_seconds: { floor: 1, ceiling: 900, initial: 300, unit: 'seconds' },
} as const satisfies Record<string, ConstitutionalLimit>;

export interface ConstitutionalLimit {
  floor: number | undefined;
  ceiling: number | undefined;
  initial: number;
  unit: string;
}

export type ConstitutionalSetting = keyof typeof CONSTITUTIONAL_LIMITS;

/** The governance thresholds in force: every limited setting, from constitutional_config or its initial value. */
export type GovernanceSettings = Record<ConstitutionalSetting, number>;

/** Where a value came from: a constitutional_config key, or an environment variable. */
export interface LimitViolation {
  /** `constitutional_config.<key>` or the environment variable's name. */
  source: string;
  value: number;
  bound: 'floor' | 'ceiling';
  limit: number;
  /** What the limit protects, for the message. */
  rule: string;
}

export const SETTINGS = Object.keys(CONSTITUTIONAL_LIMITS) as ConstitutionalSetting[];

/** True for the keys constitutional limits govern. */
export function isConstitutionalSetting(key: string): key is ConstitutionalSetting {
  return Object.hasOwn(CONSTITUTIONAL_LIMITS, key);
}

/**
 * The settings in force from constitutional_config rows: each limited setting's row, or its initial value when the
 * row is not there yet (a schema before migration 010). Keys without limits are ignored.
 */
export function governanceSettings(rows: ReadonlyMap<string, number>): GovernanceSettings {
  const settings = {} as GovernanceSettings;
  for (const setting of SETTINGS) settings[setting] = rows.get(setting) ?? CONSTITUTIONAL_LIMITS[setting].initial;
  return settings;
}

/** Every setting outside its floor or ceiling (not a number counts as outside both). */
export function settingViolations(settings: GovernanceSettings): LimitViolation[] {
  const violations: LimitViolation[] = [];
  for (const setting of SETTINGS) {
    const { floor, ceiling, unit } = CONSTITUTIONAL_LIMITS[setting] as ConstitutionalLimit;
    const value = settings[setting];
    const source = `constitutional_config.${setting}`;
    if (floor !== undefined && !(value >= floor)) violations.push({ source, value, bound: 'floor', limit: floor, rule: `at least ${floor} ${unit}` });
    if (ceiling !== undefined && !(value <= ceiling)) violations.push({ source, value, bound: 'ceiling', limit: ceiling, rule: `at most ${ceiling} ${unit}` });
  }
  return violations;
}

/** Operational configuration bounded by a governance setting. */
export interface OperationalSettings {
  /** HALT_POLL_MS: how often an instance re-reads halt_state; may not exceed halt_confirmation_window_ms. */
  haltPollMs: number;
}

/**
 * Configuration values that would weaken a governance setting: the environment may tighten, never loosen.
 */
export function operationalViolations(operational: OperationalSettings, settings: GovernanceSettings): LimitViolation[] {
  const window = settings.halt_confirmation_window_ms;
  return operational.haltPollMs > window
    ? [{ source: 'HALT_POLL_MS', value: operational.haltPollMs, bound: 'ceiling', limit: window, rule: `at most constitutional_config.halt_confirmation_window_ms (${window} ms)` }]
    : [];
}

/** One line per violation: `X = v is below its floor f (at least f unit)`. */
export function describeViolations(violations: readonly LimitViolation[]): string {
  return violations
    .map((v) => `${v.source} = ${v.value} is ${v.bound === 'floor' ? 'below its constitutional floor' : 'above its constitutional ceiling'} ${v.limit} (${v.rule})`)
    .join('; ');
}
