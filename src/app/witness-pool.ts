import { WitnessError } from '../domain/errors.js';
import { CONSTITUTIONAL_LIMITS } from '../domain/governance/constitutional-limits.js';
import { isDevelopmentKeyId, WITNESS_PREFIX, type PublicKeyRecord } from '../domain/signing/key.types.js';
import { ensureAgentKey, type ProvisionDeps } from './provision-keys.js';
import type { KeyRegistry } from './ports.js';

/** Constitutional floors of the witness pool (migration 008 enforces them on every insert). */
export const WITNESS_POOL_FLOORS = {
  minimum: CONSTITUTIONAL_LIMITS.witness_pool_minimum.floor,
  highStakes: CONSTITUTIONAL_LIMITS.witness_pool_high_stakes_minimum.floor,
} as const;

export interface WitnessPoolFloors {
  /** Witnesses an ordinary event needs. */
  minimum: number;
  /** Witnesses a high-stakes event needs. */
  highStakes: number;
}

/** The floors in force: constitutional_config's values, never below the constitutional floors. */
export async function witnessPoolFloors(registry: KeyRegistry): Promise<WitnessPoolFloors> {
  const [minimum, highStakes] = await Promise.all([registry.setting('witness_pool_minimum'), registry.setting('witness_pool_high_stakes_minimum')]);
  return {
    minimum: Math.max(minimum ?? WITNESS_POOL_FLOORS.minimum, WITNESS_POOL_FLOORS.minimum),
    highStakes: Math.max(highStakes ?? WITNESS_POOL_FLOORS.highStakes, WITNESS_POOL_FLOORS.highStakes),
  };
}

export interface WitnessPoolMember {
  witnessId: string;
  key: PublicKeyRecord;
  development: boolean;
}

export interface WitnessPoolStatus {
  at: string;
  members: WitnessPoolMember[];
  floors: WitnessPoolFloors;
}

/** The pool at `at` (docs/PROTOCOL.md §6, for an agent that is not itself a witness) with each member's signing key. */
export async function witnessPoolStatus(deps: Pick<ProvisionDeps, 'keys' | 'registry'>, at: string): Promise<WitnessPoolStatus> {
  const keyring = await deps.keys.reload();
  const members = keyring.witnessPoolAt(at, '').map((witnessId) => {
    const key = keyring.requireWitnessKey(witnessId, at);
    return { witnessId, key, development: isDevelopmentKeyId(key.keyId) };
  });
  return { at, members, floors: await witnessPoolFloors(deps.registry) };
}

/** Throws WitnessError WITNESS_POOL_BELOW_FLOOR when fewer witnesses than the minimum floor are active at `at`. */
export async function requireWitnessPoolFloor(deps: Pick<ProvisionDeps, 'keys' | 'registry'>, at: string): Promise<WitnessPoolStatus> {
  const status = await witnessPoolStatus(deps, at);
  if (status.members.length < status.floors.minimum) {
    throw new WitnessError({
      code: 'WITNESS_POOL_BELOW_FLOOR',
      message: `the witness pool has ${status.members.length} active witnesses; writes need at least ${status.floors.minimum}. Provision the pool once with WITNESS_BOOTSTRAP_ENABLED=true archon72 witness bootstrap, or register witnesses with archon72 keys generate --agent WITNESS:<id>`,
      details: { active: status.members.length, minimum: status.floors.minimum },
    });
  }
  return status;
}

export interface BootstrapOptions {
  /** Witnesses to provision, WITNESS:{prefix}01 … ; at least the high-stakes floor. */
  count: number;
  /** Id prefix after WITNESS:, e.g. `dev-` in development, `pool-` in production. */
  prefix: string;
  /**
   * Production refuses once any witness key is registered: a pool is provisioned once, then grows by registering
   * individual witnesses, so a bootstrap can never be used to swap a pool for a friendlier one.
   */
  onlyIfEmpty: boolean;
}

/**
 * Provisions the witness pool: each witness gets its own key in custody, registered in agent_keys. Idempotent in
 * development (existing members keep their keys). Returns the ids provisioned or kept.
 * Throws WitnessError WITNESS_BOOTSTRAP_REFUSED when `onlyIfEmpty` and a pool exists.
 */
export async function bootstrapWitnessPool(deps: ProvisionDeps, options: BootstrapOptions, now: string): Promise<string[]> {
  if (options.onlyIfEmpty) {
    const existing = new Set((await deps.registry.listKeys()).filter((k) => k.agentId.startsWith(WITNESS_PREFIX)).map((k) => k.agentId));
    if (existing.size > 0) {
      throw new WitnessError({
        code: 'WITNESS_BOOTSTRAP_REFUSED',
        message: `a witness pool already exists (${existing.size} witnesses registered); bootstrap runs once. Set WITNESS_BOOTSTRAP_ENABLED=false and register further witnesses with archon72 keys generate --agent WITNESS:<id>`,
        details: { registered: existing.size },
      });
    }
  }
  const ids: string[] = [];
  for (let i = 1; i <= options.count; i++) {
    const id = `${WITNESS_PREFIX}${options.prefix}${String(i).padStart(2, '0')}`;
    await ensureAgentKey(id, deps, now);
    ids.push(id);
  }
  return ids;
}
