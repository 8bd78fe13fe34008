import { toHex } from '../../src/domain/encoding/bytes.js';
import type { TestStack } from './test-stack.js';

/** A syntactically valid signature: the database checks shape, count and key windows, never Ed25519 (migration 008). */
export const PLACEHOLDER_SIGNATURE = 'A'.repeat(86) + '==';

/**
 * Registers a keeper key the way migration 008 requires, without the service's signature checks: a
 * keeper.key_registered event first (a bootstrap while fewer than a quorum of keepers exist, else approved by
 * `approvers` with placeholder signatures), then the keeper_keys row. For tests of database rules only.
 */
export async function registerKeeperByHand(
  stack: TestStack,
  keeper: { keeperId: string; keyId: string; publicKey: Uint8Array },
  approvers: Array<{ keeperId: string; keyId: string }> = [],
): Promise<void> {
  const statement = { type: 'keeper.key_registration', keeper_id: keeper.keeperId, key_id: keeper.keyId, public_key: toHex(keeper.publicKey) };
  const payload = {
    keeper_id: keeper.keeperId,
    key_id: keeper.keyId,
    public_key: toHex(keeper.publicKey),
    bootstrap: approvers.length === 0,
    approvals: approvers.map((a) => ({ statement, keeper_id: a.keeperId, key_id: a.keyId, signature: PLACEHOLDER_SIGNATURE })),
  };
  await stack.appender.append(await stack.submission({ eventType: 'keeper.key_registered', payload }));
  await stack.registry.registerKeeperKey({ agentId: keeper.keeperId, keyId: keeper.keyId, publicKey: keeper.publicKey });
}
