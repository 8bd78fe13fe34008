import { assessConstitutionalHealth, type HealthAssessment } from '../domain/governance/constitutional-health.js';
import { CONSTITUTIONAL_LIMITS, governanceSettings, settingViolations, SETTINGS } from '../domain/governance/constitutional-limits.js';
import { operationalLimitViolations, type OperationalLimits } from './configuration-floors.js';
import { activeKeeperCount } from './preoperational/governance-checks.js';
import { witnessPoolStatus } from './witness-pool.js';
import type { CheckResult } from '../domain/governance/preoperational.js';
import type { KeyCache } from './key-cache.js';
import type { CheckpointStore, Clock, ClockDriftLog, ConstitutionStore, EventStore, HaltStateStore, KeyRegistry } from './ports.js';
import { timestampToMillis } from '../domain/chain/timestamp.js';

/** Clock-drift warnings within this many seconds count as recent. */
export const RECENT_DRIFT_SECONDS = 3600;

export interface ConstitutionalHealthDeps {
  store: EventStore;
  registry: KeyRegistry;
  keys: KeyCache;
  haltState: HaltStateStore;
  constitution: ConstitutionStore;
  clockDrift: ClockDriftLog;
  /** The latest signed checkpoint, when the log publishes them. */
  checkpoints: Pick<CheckpointStore, 'latest'>;
  clock: Clock;
  operational: OperationalLimits;
  /** This instance's pre-operational verification (it only serves once verification let it start). */
  verification: { outcome: 'passed' | 'bypassed' | 'failed'; completedAt: string; checks: CheckResult[] };
}

/** GET /v1/health/constitutional: the governance state, read fresh from the database on each call. */
export interface ConstitutionalHealthReport {
  status: HealthAssessment['status'];
  reasons: string[];
  halt: { halted: boolean; reason: string | null; since: string | null; source: string | null };
  chain: { head_sequence: number; head_hash: string | null };
  witness_pool: { size: number; minimum: number; high_stakes_minimum: number };
  keepers: { active: number; quorum: number };
  checkpoint: { latest_tree_size: number | null; age_seconds: number | null; max_age_seconds: number };
  clock_drift: { threshold_seconds: number; recent_warnings: number; recent_window_seconds: number; total_warnings: number; latest_warning_at: string | null };
  verification: { outcome: string; completed_at: string; checks: CheckResult[] };
  limits: Array<{ setting: string; value: number; floor: number | null; ceiling: number | null; within: boolean }>;
}

export async function constitutionalHealth(deps: ConstitutionalHealthDeps): Promise<ConstitutionalHealthReport> {
  const now = deps.clock.now();
  const [halt, head, pool, activeKeepers, rows, drift, checkpoint] = await Promise.all([
    deps.haltState.read(),
    deps.store.head(),
    witnessPoolStatus(deps, now),
    activeKeeperCount(deps.registry, now),
    deps.constitution.settings(),
    deps.clockDrift.counts(RECENT_DRIFT_SECONDS),
    deps.checkpoints.latest(),
  ]);
  const checkpointAgeSeconds = checkpoint === undefined ? undefined : Math.max(0, Math.floor((timestampToMillis(now) - timestampToMillis(checkpoint.createdAt)) / 1000));
  const settings = governanceSettings(rows);
  const violations = [...settingViolations(settings), ...operationalLimitViolations(deps.operational, settings)];
  const assessment = assessConstitutionalHealth({
    halted: halt.halted,
    witnessPool: pool.members.length,
    witnessPoolMinimum: settings.witness_pool_minimum,
    witnessPoolHighStakesMinimum: settings.witness_pool_high_stakes_minimum,
    activeKeepers,
    keeperQuorum: settings.minimum_keeper_quorum,
    limitViolations: violations.length,
    recentDriftWarnings: drift.recent,
    verification: deps.verification.outcome,
    checkpointAgeSeconds,
    checkpointMaxAgeSeconds: settings.checkpoint_max_age_seconds,
    eventsExist: head !== undefined,
  });
  const violated = new Set(violations.map((v) => v.source));
  return {
    status: assessment.status,
    reasons: assessment.reasons,
    halt: { halted: halt.halted, reason: halt.reason ?? null, since: halt.haltedAt ?? null, source: halt.source ?? null },
    chain: { head_sequence: head?.sequence ?? 0, head_hash: head?.contentHash ?? null },
    witness_pool: { size: pool.members.length, minimum: settings.witness_pool_minimum, high_stakes_minimum: settings.witness_pool_high_stakes_minimum },
    keepers: { active: activeKeepers, quorum: settings.minimum_keeper_quorum },
    checkpoint: { latest_tree_size: checkpoint?.treeSize ?? null, age_seconds: checkpointAgeSeconds ?? null, max_age_seconds: settings.checkpoint_max_age_seconds },
    clock_drift: {
      threshold_seconds: settings.clock_drift_threshold_seconds,
      recent_warnings: drift.recent,
      recent_window_seconds: RECENT_DRIFT_SECONDS,
      total_warnings: drift.total,
      latest_warning_at: drift.latestAt ?? null,
    },
    verification: { outcome: deps.verification.outcome, completed_at: deps.verification.completedAt, checks: deps.verification.checks },
    limits: SETTINGS.map((setting) => ({
      setting,
      value: settings[setting],
      floor: CONSTITUTIONAL_LIMITS[setting].floor ?? null,
      ceiling: CONSTITUTIONAL_LIMITS[setting].ceiling ?? null,
      within: !violated.has(`constitutional_config.${setting}`),
    })),
  };
}
