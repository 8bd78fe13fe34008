import { CustodyError } from '../domain/errors.js';
import type { PublicKeyRecord } from '../domain/signing/key.types.js';
import type { KeyCache } from './key-cache.js';
import type { KeyCustody, KeyRegistry } from './ports.js';

/** The actor that signs events the service itself writes (runbook §4.4 SYSTEM:EVENT_WRITER). */
export const EVENT_WRITER_ID = 'SYSTEM:EVENT_WRITER';

/** The log's own signer: Merkle checkpoints and export manifests (docs/PROTOCOL.md, checkpoints). */
export const LOG_SIGNER_ID = 'SYSTEM:LOG';

export interface ProvisionDeps {
  registry: KeyRegistry;
  custody: KeyCustody;
  keys: KeyCache;
}

/** The key of `agentId` not closed by `now`, from the registry (the cache is reloaded first), if any. */
export async function openKeyOf(agentId: string, keys: KeyCache, now: string): Promise<PublicKeyRecord | undefined> {
  const keyring = await keys.reload();
  return keyring.keysOf(agentId).find((key) => key.activeUntil === undefined || key.activeUntil > now);
}

/**
 * The open registered key of `agentId`, generating and registering one when the agent has none. Each actor gets
 * its own key: keys are never shared between actors. Throws CustodyError CUSTODY_KEY_NOT_FOUND when the agent's
 * open key is held by another custody (another data directory or HSM): a second key is never registered beside it.
 */
export async function ensureAgentKey(agentId: string, deps: ProvisionDeps, now: string): Promise<PublicKeyRecord> {
  const open = await openKeyOf(agentId, deps.keys, now);
  if (open !== undefined) {
    if (await deps.custody.hasKey(open.keyId)) return open;
    throw new CustodyError({
      code: 'CUSTODY_KEY_NOT_FOUND',
      message: `${agentId} has the open key ${open.keyId}, which this key custody does not hold; use the data directory or HSM that holds it, or rotate the key (archon72 keys rotate --agent ${agentId})`,
      details: { agentId, keyId: open.keyId },
    });
  }
  const { keyId, publicKey } = await deps.custody.generateKey(agentId);
  const registered = await deps.registry.registerKey({ agentId, keyId, publicKey });
  await deps.keys.reload();
  return registered;
}
