import { WITNESS_PREFIX, type PublicKeyRecord } from '../domain/signing/key.types.js';
import type { KeyCache } from './key-cache.js';
import type { KeyCustody, KeyRegistry } from './ports.js';

/** Witnesses provisioned for a development log: the pool floor of 6 that later issues enforce. */
export const DEV_WITNESS_POOL_SIZE = 6;

/** The actor that signs events the service itself writes (runbook §4.4 SYSTEM:EVENT_WRITER). */
export const EVENT_WRITER_ID = 'SYSTEM:EVENT_WRITER';

export interface ProvisionDeps {
  registry: KeyRegistry;
  custody: KeyCustody;
  keys: KeyCache;
}

/**
 * An open registered key of `agentId` whose private half this custody holds; generates and registers one when
 * there is none. Each actor gets its own key: keys are never shared between actors.
 */
export async function ensureAgentKey(agentId: string, deps: ProvisionDeps, now: string): Promise<PublicKeyRecord> {
  const keyring = await deps.keys.current();
  for (const key of keyring.keysOf(agentId)) {
    if (key.activeUntil === undefined || key.activeUntil > now) {
      if (await deps.custody.hasKey(key.keyId)) return key;
    }
  }
  const { keyId, publicKey } = await deps.custody.generateKey(agentId);
  const registered = await deps.registry.registerKey({ agentId, keyId, publicKey });
  await deps.keys.reload();
  return registered;
}

/** Makes sure the development witness pool WITNESS:dev-01 … dev-06 exists with keys this custody holds. */
export async function ensureDevWitnessPool(deps: ProvisionDeps, now: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= DEV_WITNESS_POOL_SIZE; i++) {
    const id = `${WITNESS_PREFIX}dev-${String(i).padStart(2, '0')}`;
    await ensureAgentKey(id, deps, now);
    ids.push(id);
  }
  return ids;
}
