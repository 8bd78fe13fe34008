import { decidePreoperational, VERIFICATION_BYPASS_LIMIT, type CheckResult, type PreoperationalOutcome } from '../../domain/governance/preoperational.js';
import { VerificationError } from '../../domain/errors.js';
import { checkHashChain } from './chain-check.js';
import { checkCheckpointAnchors, checkHaltState, checkKeeperKeys, checkWitnessPool } from './governance-checks.js';
import { checkReplicaSync, type ReplicaProbe } from './replica-check.js';
import type { CheckpointAnchorDeps } from '../merkle/checkpoint-anchors.js';
import type { GovernanceSettings } from '../../domain/governance/constitutional-limits.js';
import type { GovernanceMetrics } from '../service-metrics.js';
import type { VerifyChainDeps } from '../verify-chain.js';
import type { KeyCache } from '../key-cache.js';
import type { Clock, HaltStateStore, VerificationLog } from '../ports.js';

export interface PreoperationalDeps extends VerifyChainDeps {
  keys: KeyCache;
  haltState: HaltStateStore;
  verificationLog: VerificationLog;
  clock: Clock;
  replica: ReplicaProbe | undefined;
  metrics: GovernanceMetrics;
  /** Records a halt (CT-13: a broken chain halts the system). */
  halt: (reason: string) => Promise<void>;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Checkpoints and the Merkle tree, for the checkpoint_anchors check (skipped when absent). */
  anchors?: CheckpointAnchorDeps;
}

export interface PreoperationalOptions {
  settings: GovernanceSettings;
  devMode: boolean;
  /** ALLOW_VERIFICATION_BYPASS=true (configuration refuses it in production). */
  bypassRequested: boolean;
  environment: string;
  /** Who ran it, for the record: host and process id. */
  instance: string;
  /** CHECKPOINT_ORIGIN: the latest checkpoint must name this log. */
  checkpointOrigin?: string;
}

export interface PreoperationalReport {
  outcome: PreoperationalOutcome;
  results: CheckResult[];
  postHalt: boolean;
  completedAt: string;
}

/** Every log line of the run starts with this, so `grep pre_operational` finds them all (runbook §6.2). */
const TAG = 'pre_operational';

/**
 * FR146: runs the six checks of runbook §6.2 against the real adapters, logs each, records the run in
 * preoperational_verifications, and decides whether the service may start. A broken chain halts the system.
 * Resolves with the report when the service may start (passed or bypassed); throws VerificationError
 * VERIFICATION_FAILED (naming every failed check) or VERIFICATION_BYPASS_REFUSED otherwise.
 */
export async function runPreoperationalVerification(deps: PreoperationalDeps, options: PreoperationalOptions): Promise<PreoperationalReport> {
  const startedAt = deps.clock.now();
  const halt = await deps.haltState.read();
  const postHalt = await isPostHalt(deps);
  deps.log('info', `${TAG}: verification started`, { postHalt, halted: halt.halted });

  const chain = await checkHashChain(deps, postHalt, (verified, total) => {
    if (total >= 10_000) deps.log('info', `${TAG}: hash chain ${verified}/${total}`, { verified, total });
  });
  const now = deps.clock.now();
  const results: CheckResult[] = [
    chain.result,
    await checkWitnessPool(deps, options.settings, now),
    await checkKeeperKeys(deps.registry, options.settings, now, options.devMode),
    await checkCheckpointAnchors(deps.anchors, options.settings, now, options.checkpointOrigin),
    checkHaltState(halt),
    await checkReplicaSync(deps.store, deps.replica),
  ];
  for (const result of results) {
    deps.log(result.status === 'failed' ? 'error' : result.status === 'warning' ? 'warn' : 'info', `${TAG}: ${result.check} ${result.status}: ${result.detail}`, { check: result.check, status: result.status });
    if (result.status === 'failed') deps.metrics.countVerificationFailure(result.check);
  }
  if (chain.fault !== undefined) {
    // CT-13: the halt is recorded before anything else, so no instance writes on a chain known to be broken.
    await deps.halt(`pre_operational verification failed at sequence ${chain.fault.sequence}: ${chain.fault.code}: ${chain.fault.message}`);
  }

  const outcome = decidePreoperational(results, {
    requested: options.bypassRequested,
    usedInWindow: options.bypassRequested ? await deps.verificationLog.bypassesWithin(VERIFICATION_BYPASS_LIMIT.windowSeconds) : 0,
    postHalt,
    halted: halt.halted,
  });
  await deps.verificationLog.record({
    startedAt,
    outcome: outcome.kind,
    postHalt,
    chainFrom: chain.from,
    chainThrough: chain.through,
    checks: results,
    environment: options.environment,
    instance: options.instance,
  });
  const completedAt = deps.clock.now();
  if (outcome.kind === 'passed') {
    deps.log('info', `${TAG}: Pre-operational verification completed successfully`, { postHalt, checks: results.length });
    return { outcome, results, postHalt, completedAt };
  }
  const failedNames = outcome.failed.map((r) => `${r.check} (${r.detail})`).join('; ');
  if (outcome.kind === 'bypassed') {
    deps.log('warn', `${TAG}: verification BYPASSED (ALLOW_VERIFICATION_BYPASS): starting despite failed checks: ${failedNames}`, { failed: outcome.failed.map((r) => r.check) });
    return { outcome, results, postHalt, completedAt };
  }
  if (outcome.bypassRefused !== undefined) {
    throw new VerificationError({
      code: 'VERIFICATION_BYPASS_REFUSED',
      message: `pre_operational verification failed and ALLOW_VERIFICATION_BYPASS cannot bypass it: ${outcome.bypassRefused}. Failed: ${failedNames}`,
      details: { failed: outcome.failed, refused: outcome.bypassRefused },
    });
  }
  throw new VerificationError({
    code: 'VERIFICATION_FAILED',
    message: `pre_operational verification failed: ${failedNames}`,
    details: { failed: outcome.failed },
  });
}

/**
 * True when the last halt was cleared by a ceremony and no event has been stored after its halt.cleared event
 * (runbook §10.4: the first start after a clear verifies the whole chain, with no bypass).
 */
export async function isPostHalt(deps: { haltState: HaltStateStore; store: VerifyChainDeps['store'] }): Promise<boolean> {
  const state = await deps.haltState.read();
  if (state.halted || state.ceremonyId === undefined) return false;
  const head = await deps.store.head();
  return (await deps.haltState.clearEventSequence(state.ceremonyId)) === head?.sequence;
}
