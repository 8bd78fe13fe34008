import { CustodyError } from '../domain/errors.js';
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
 * The open registered key of `agentId`, generating and registering one when the agent has none. Each actor gets
 * its own key: keys are never shared between actors. Throws CustodyError CUSTODY_KEY_NOT_FOUND when the agent's
 * open key is held by another custody (another data directory or HSM): a second key is never registered beside it.
 */
export async function ensureAgentKey(agentId: string, deps: ProvisionDeps, now: string): Promise<PublicKeyRecord> {
  const keyring = await deps.keys.reload();
  const open = keyring.keysOf(agentId).find((key) => key.activeUntil === undefined || key.activeUntil > now);
  if (open !== undefined) {
    if (await deps.custody.hasKey(open.keyId)) return open;
    throw new CustodyError({
      code: 'CUSTODY_KEY_NOT_FOUND',
      message: `${agentId} has the open key ${open.keyId}, which this key custody does not hold; use the data directory or HSM that holds it, or close that key first`,
      details: { agentId, keyId: open.keyId },
    });
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
