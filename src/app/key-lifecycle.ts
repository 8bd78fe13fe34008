import { InputError, KeyError } from '../domain/errors.js';
import { isIdentifier } from '../domain/chain/identifiers.js';
import { isWitnessId, KEEPER_PREFIX, type PublicKeyRecord } from '../domain/signing/key.types.js';
import { EVENT_WRITER_ID, openKeyOf } from './provision-keys.js';
import { appendSystemEvent, type SystemEventDeps } from './system-events.js';
import { witnessPoolFloors } from './witness-pool.js';
import type { StoredEvent } from '../domain/chain/event.types.js';


/** Longest revocation reason accepted: a sentence or two, not a document. */
export const MAX_REVOCATION_REASON = 1000;

function requireAgentId(agentId: string): void {
  if (!isIdentifier(agentId)) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `agent id ${JSON.stringify(agentId)} is invalid: expected agent-{uuid}, SYSTEM:{service} or WITNESS:{id} (letters, digits, : _ . -, at most 128 characters)`, details: { field: 'agent' } });
  }
  if (agentId.startsWith(KEEPER_PREFIX)) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `${agentId}: keepers hold their own keys; use archon72 keeper keygen and archon72 keeper register`, details: { field: 'agent' } });
  }
}

/**
 * Generates a key for `agentId` in custody and registers it. Throws KeyError KEY_ALREADY_OPEN when the agent
 * already has an open key (rotate it instead): an actor never has two keys to choose from.
 */
export async function generateAgentKey(deps: SystemEventDeps, agentId: string): Promise<PublicKeyRecord> {
  requireAgentId(agentId);
  const open = await openKeyOf(agentId, deps.keys, deps.clock.now());
  if (open !== undefined) {
    throw new KeyError({ code: 'KEY_ALREADY_OPEN', message: `${agentId} already has the open key ${open.keyId}; use archon72 keys rotate --agent ${agentId}`, details: { agentId, keyId: open.keyId } });
  }
  const { keyId, publicKey } = await deps.custody.generateKey(agentId);
  const registered = await deps.registry.registerKey({ agentId, keyId, publicKey });
  await deps.keys.reload();
  return registered;
}

/**
 * Rotation: a new key generated in custody opens at the instant the old one closes. Events signed before the
 * rotation keep verifying against the old key (it was active at their authority time).
 * Throws KeyError KEY_NOT_OPEN when the agent has no open key.
 */
export async function rotateAgentKey(deps: SystemEventDeps, agentId: string): Promise<{ closed: PublicKeyRecord; opened: PublicKeyRecord }> {
  requireAgentId(agentId);
  if ((await openKeyOf(agentId, deps.keys, deps.clock.now())) === undefined) {
    throw new KeyError({ code: 'KEY_NOT_OPEN', message: `${agentId} has no open key to rotate; use archon72 keys generate --agent ${agentId}`, details: { agentId } });
  }
  const { keyId, publicKey } = await deps.custody.generateKey(agentId);
  const rotated = await deps.registry.rotateKey({ agentId, keyId, publicKey });
  await deps.keys.reload();
  return rotated;
}

export interface RevokeOptions {
  reason: string;
  /** Open a replacement key (generated in custody) at the instant the revoked one closes. Agent keys only. */
  replace: boolean;
}

export interface RevokeResult {
  revoked: PublicKeyRecord;
  replacement: PublicKeyRecord | undefined;
  event: StoredEvent;
}

/**
 * Revocation for compromise: closes the key now (or keeps the close time of a key already closed, for a
 * compromise found after a rotation) and records a key.revoked event, which the database accepts only for a key
 * that is closed with that active_until (migration 008). Safe to run again after a crash between the two steps.
 * Refuses to leave the event writer without a key, or the witness pool below its floor, unless `replace`.
 * Throws KeyError KEY_NOT_FOUND, KEY_ALREADY_REVOKED, KEY_REVOCATION_NEEDS_REPLACEMENT; InputError for a bad reason.
 */
export async function revokeKey(deps: SystemEventDeps, keyId: string, options: RevokeOptions): Promise<RevokeResult> {
  const reason = options.reason.trim();
  if (reason === '' || reason.length > MAX_REVOCATION_REASON) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `--reason must be 1–${MAX_REVOCATION_REASON} characters saying why the key is revoked`, details: { field: 'reason' } });
  }
  const [agentKeys, keeperKeys, revocations] = await Promise.all([deps.registry.listKeys(), deps.registry.listKeeperKeys(), deps.registry.listRevocations()]);
  let key = [...agentKeys, ...keeperKeys].find((k) => k.keyId === keyId);
  if (key === undefined) throw new KeyError({ code: 'KEY_NOT_FOUND', message: `no registered key has the id ${keyId}`, details: { keyId } });
  const earlier = revocations.find((r) => r.keyId === keyId);
  if (earlier !== undefined) {
    throw new KeyError({ code: 'KEY_ALREADY_REVOKED', message: `key ${keyId} was already revoked at sequence ${earlier.sequence} (${earlier.reason})`, details: { keyId, sequence: earlier.sequence } });
  }
  const isKeeper = key.agentId.startsWith(KEEPER_PREFIX);
  if (options.replace && isKeeper) {
    throw new InputError({ code: 'INPUT_FIELD_INVALID', message: `${key.agentId} holds its own keys: revoke without --replace, then register a new key with archon72 keeper register`, details: { field: 'replace' } });
  }

  let replacement: PublicKeyRecord | undefined;
  if (key.activeUntil === undefined) {
    if (options.replace) {
      const { publicKey, keyId: newKeyId } = await deps.custody.generateKey(key.agentId);
      const rotated = await deps.registry.rotateKey({ agentId: key.agentId, keyId: newKeyId, publicKey });
      key = rotated.closed;
      replacement = rotated.opened;
    } else {
      await refuseUnreplaceableClose(deps, key);
      key = await deps.registry.closeKey(keyId);
    }
    await deps.keys.reload();
  }
  const event = await appendSystemEvent(deps, 'key.revoked', {
    agent_id: key.agentId,
    key_id: key.keyId,
    active_until: key.activeUntil ?? '',
    reason,
  });
  return { revoked: key, replacement, event };
}

/** Closing this key without a successor would stop the log (the writer's key) or shrink the pool below its floor. */
async function refuseUnreplaceableClose(deps: SystemEventDeps, key: PublicKeyRecord): Promise<void> {
  if (key.agentId === EVENT_WRITER_ID) {
    throw new KeyError({
      code: 'KEY_REVOCATION_NEEDS_REPLACEMENT',
      message: `${key.keyId} is the event writer's key, which signs the revocation itself; revoke it with --replace`,
      details: { keyId: key.keyId },
    });
  }
  if (!isWitnessId(key.agentId)) return;
  const now = deps.clock.now();
  const pool = (await deps.keys.reload()).witnessPoolAt(now, '');
  const { minimum } = await witnessPoolFloors(deps.registry);
  if (pool.length - 1 < minimum) {
    throw new KeyError({
      code: 'KEY_REVOCATION_NEEDS_REPLACEMENT',
      message: `revoking ${key.keyId} would leave ${pool.length - 1} witnesses, below the floor of ${minimum}; revoke it with --replace, or register another witness first`,
      details: { keyId: key.keyId, remaining: pool.length - 1, minimum },
    });
  }
}
