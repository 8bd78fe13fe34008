import { buildPublicKeySet, type PublicKeySet } from '../../domain/signing/public-key-set.js';
import type { Clock, KeyRegistry } from '../ports.js';

/**
 * The public key set (docs/PROTOCOL.md §9.3), the document `archon72 keys export-public` writes: every agent,
 * system (SYSTEM:EVENT_WRITER, SYSTEM:LOG), witness and keeper key with its window and recorded revocation.
 * Throws StoreError when the registry cannot be read.
 */
export async function readPublicKeySet(registry: KeyRegistry, clock: Clock): Promise<PublicKeySet> {
  const [agentKeys, keeperKeys, revocations] = await Promise.all([registry.listKeys(), registry.listKeeperKeys(), registry.listRevocations()]);
  return buildPublicKeySet([...agentKeys, ...keeperKeys], revocations, clock.now());
}
