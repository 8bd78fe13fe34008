import { fromHex } from '../domain/encoding/bytes.js';
import { CONSTITUTIONAL_LIMITS } from '../domain/governance/constitutional-limits.js';
import { InputError, KeyError, SignatureError } from '../domain/errors.js';
import { Keyring } from '../domain/signing/keyring.js';
import { isKeyActiveAt, type PublicKeyRecord } from '../domain/signing/key.types.js';
import { decodeSignature } from '../domain/signing/verify-signatures.js';
import { keeperStatementMessage, toSignedStatementJson, verifyKeeperQuorum, type KeeperStatement, type SignedKeeperStatement } from '../domain/signing/keeper-statement.js';
import { appendSystemEvent, type SystemEventDeps } from './system-events.js';
import type { Ed25519Verify } from '../domain/signing/ed25519.js';
import type { StoredEvent } from '../domain/chain/event.types.js';
import type { KeyRegistry } from './ports.js';

/** Statement type a keeper key registration is approved under (migration 008 checks approvals name it). */
export const KEEPER_REGISTRATION_TYPE = 'keeper.key_registration';

/** Constitutional floor of the keeper quorum (migration 007). */
export const KEEPER_QUORUM_FLOOR = CONSTITUTIONAL_LIMITS.minimum_keeper_quorum.floor;

/** The keeper quorum in force: constitutional_config's minimum_keeper_quorum, never below its floor of 2. */
export async function keeperQuorum(registry: KeyRegistry): Promise<number> {
  return Math.max((await registry.setting('minimum_keeper_quorum')) ?? KEEPER_QUORUM_FLOOR, KEEPER_QUORUM_FLOOR);
}

export interface KeeperRegistrationDeps extends SystemEventDeps {
  verify: Ed25519Verify;
}

/** The statement the new key signs (proof of possession) and the current keepers approve. */
export function keeperRegistrationStatement(keeperId: string, keyId: string, publicKeyHex: string): KeeperStatement {
  return { type: KEEPER_REGISTRATION_TYPE, keeper_id: keeperId, key_id: keyId, public_key: publicKeyHex };
}

export interface KeeperRegistrationResult {
  key: PublicKeyRecord;
  /** True when registered without approvals because fewer than a quorum of keepers existed. */
  bootstrap: boolean;
  /** Keepers whose valid signatures approved it (empty for a bootstrap). */
  approvedBy: string[];
  /** The keeper.key_registered event (already stored by an earlier, interrupted run when `resumed`). */
  eventSequence: number;
  resumed: boolean;
}

/**
 * Registers a keeper's public key. `request` is the registration statement signed by the new key itself (so
 * nobody registers a key they do not hold); `approvals` are the same statement signed by current keepers. While
 * fewer than a quorum of keepers are active the registration is a bootstrap, recorded as such; afterwards a
 * quorum of distinct active keepers must approve. The act is recorded as a keeper.key_registered event, then the
 * key enters keeper_keys (migration 008 refuses the row without the event). A keeper with an open key is rotated:
 * the old key closes as the new one opens. Re-running after a crash between the two steps finishes the job.
 * Throws InputError for a malformed request, SignatureError SIG_INVALID when possession or the quorum fails,
 * KeyError KEY_ALREADY_OPEN when the key is already registered.
 */
export async function registerKeeperKey(deps: KeeperRegistrationDeps, request: SignedKeeperStatement, approvals: readonly SignedKeeperStatement[]): Promise<KeeperRegistrationResult> {
  const { statement, publicKey } = checkRequest(request);
  if (!deps.verify(decodeSignature(request.signature, 'signature'), keeperStatementMessage(statement), publicKey)) {
    throw new SignatureError({ code: 'SIG_INVALID', message: `the registration request is not signed by the key it registers (${request.keyId}); sign it with that key file`, details: { keyId: request.keyId } });
  }
  const keeperKeys = await deps.registry.listKeeperKeys();
  if (keeperKeys.some((k) => k.keyId === request.keyId)) {
    throw new KeyError({ code: 'KEY_ALREADY_OPEN', message: `keeper key ${request.keyId} is already registered`, details: { keyId: request.keyId } });
  }
  const registration = { agentId: request.keeperId, keyId: request.keyId, publicKey };
  const stored = await deps.registry.keeperRegistrationSequence(request.keyId);
  if (stored !== undefined) {
    // An earlier run recorded the approved registration but stopped before the key row: finish it.
    const key = await deps.registry.registerKeeperKey(registration);
    return { key, bootstrap: false, approvedBy: [], eventSequence: stored, resumed: true };
  }

  const now = deps.clock.now();
  const quorum = await keeperQuorum(deps.registry);
  const active = new Set(keeperKeys.filter((k) => isKeyActiveAt(k, now)).map((k) => k.agentId));
  const bootstrap = active.size < quorum;
  const approvedBy = bootstrap ? [] : verifyKeeperQuorum(approvals, statement, new Keyring(keeperKeys), now, quorum, deps.verify);
  const event: StoredEvent = await appendSystemEvent(deps, 'keeper.key_registered', {
    keeper_id: request.keeperId,
    key_id: request.keyId,
    public_key: statement.public_key as string,
    bootstrap,
    request: { ...toSignedStatementJson(request) },
    approvals: bootstrap ? [] : approvals.map((a) => ({ ...toSignedStatementJson(a) })),
  });
  const key = await deps.registry.registerKeeperKey(registration);
  return { key, bootstrap, approvedBy, eventSequence: event.sequence, resumed: false };
}

function checkRequest(request: SignedKeeperStatement): { statement: KeeperStatement; publicKey: Uint8Array } {
  const s = request.statement;
  const fail = (problem: string) => new InputError({ code: 'INPUT_FIELD_INVALID', message: `registration request: ${problem}`, details: { field: 'statement' } });
  if (s.type !== KEEPER_REGISTRATION_TYPE) throw fail(`statement.type must be ${KEEPER_REGISTRATION_TYPE}`);
  if (s.keeper_id !== request.keeperId || s.key_id !== request.keyId) throw fail('statement.keeper_id and statement.key_id must name the keeper and key that signed it');
  const publicKey = typeof s.public_key === 'string' && /^[0-9a-f]{64}$/.test(s.public_key) ? fromHex(s.public_key) : undefined;
  if (publicKey === undefined) throw fail('statement.public_key must be the new key, 64 lowercase hex digits');
  const extra = Object.keys(s).filter((k) => !['type', 'keeper_id', 'key_id', 'public_key'].includes(k));
  if (extra.length > 0) throw fail(`statement has unexpected members: ${extra.join(', ')}`);
  return { statement: s, publicKey };
}
