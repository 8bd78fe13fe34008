import { isKeyActiveAt } from '../../domain/signing/key.types.js';
import { witnessPoolStatus } from '../witness-pool.js';
import { verifyCheckpointAnchors, type CheckpointAnchorDeps } from '../merkle/checkpoint-anchors.js';
import type { CheckResult } from '../../domain/governance/preoperational.js';
import type { GovernanceSettings } from '../../domain/governance/constitutional-limits.js';
import type { KeyCache } from '../key-cache.js';
import type { HaltRecord, KeyRegistry } from '../ports.js';

/** Witness pool availability: at least witness_pool_minimum active witnesses; fewer than the high-stakes minimum warns. */
export async function checkWitnessPool(deps: { keys: KeyCache; registry: KeyRegistry }, settings: GovernanceSettings, at: string): Promise<CheckResult> {
  const size = (await witnessPoolStatus(deps, at)).members.length;
  const minimum = settings.witness_pool_minimum;
  const highStakes = settings.witness_pool_high_stakes_minimum;
  if (size < minimum) return { check: 'witness_pool_availability', status: 'failed', detail: `${size} active witnesses; writes need at least ${minimum}` };
  if (size < highStakes) {
    return { check: 'witness_pool_availability', status: 'warning', detail: `${size} active witnesses: enough for writes (${minimum}), not for high-stakes events (${highStakes})` };
  }
  return { check: 'witness_pool_availability', status: 'passed', detail: `${size} active witnesses (minimum ${minimum}, high-stakes ${highStakes})` };
}

/** Distinct keepers holding a key active at `at`. */
export async function activeKeeperCount(registry: KeyRegistry, at: string): Promise<number> {
  const keys = await registry.listKeeperKeys();
  return new Set(keys.filter((key) => isKeyActiveAt(key, at)).map((key) => key.agentId)).size;
}

/**
 * Keeper key availability: active keepers ≥ the quorum, or a halt could never be cleared. In development a
 * shortfall warns instead (a fresh development log has no keepers until `archon72 keeper register`).
 */
export async function checkKeeperKeys(registry: KeyRegistry, settings: GovernanceSettings, at: string, devMode: boolean): Promise<CheckResult> {
  const active = await activeKeeperCount(registry, at);
  const quorum = settings.minimum_keeper_quorum;
  if (active >= quorum) return { check: 'keeper_key_availability', status: 'passed', detail: `${active} active keepers (quorum ${quorum})` };
  const detail = `${active} active keepers, fewer than the quorum ${quorum}: a halt could not be cleared; register keepers with archon72 keeper register`;
  return { check: 'keeper_key_availability', status: devMode ? 'warning' : 'failed', detail: devMode ? `${detail} (a warning in DEV_MODE)` : detail };
}

/** Halt state: a halted system starts read-only (the halt guard refuses every write), never writable. */
export function checkHaltState(halt: HaltRecord): CheckResult {
  if (!halt.halted) return { check: 'halt_state', status: 'passed', detail: 'not halted' };
  return {
    check: 'halt_state',
    status: 'warning',
    detail: `halted since ${halt.haltedAt ?? '(unknown)'} by ${halt.haltedBy ?? '(unknown)'}: ${halt.reason ?? ''}; starting read-only until a keeper ceremony clears it`,
  };
}

/**
 * Checkpoint anchors (src/app/merkle/checkpoint-anchors.ts): the latest checkpoint's signature by the log key, its
 * root recomputed from the events, and its age against checkpoint_max_age_seconds. Skipped, saying so, when the
 * caller gives no checkpoint store (a stack without Merkle checkpoints wired).
 */
export async function checkCheckpointAnchors(
  deps: CheckpointAnchorDeps | undefined,
  settings: GovernanceSettings,
  at: string,
  origin: string | undefined,
): Promise<CheckResult> {
  if (deps === undefined) return { check: 'checkpoint_anchors', status: 'skipped', detail: 'this service was started without Merkle checkpoints' };
  return verifyCheckpointAnchors(deps, { maxAgeSeconds: settings.checkpoint_max_age_seconds, origin, now: at });
}
