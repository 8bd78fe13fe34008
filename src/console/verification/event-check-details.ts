import { isDevelopmentKeyId, type PublicKeyRecord } from '../../domain/signing/key.types.js';
import type { EventCheckContext, EventCheckId } from '../../domain/verify-stored-event.js';

/**
 * What each passed check of EVENT_CHECKS established about the event, in words and with the values a reader can
 * compare (hashes, key ids, the pool). A check added to EVENT_CHECKS without a description here does not compile.
 * Called only after the check passed, so the keys it looks up exist.
 */
const DESCRIPTIONS: Record<EventCheckId, (context: EventCheckContext) => string> = {
  'chain-link': ({ prev, event }) =>
    prev === undefined
      ? 'sequence 1 opens the log: prev_hash is 64 zeros'
      : `sequence ${event.sequence} follows ${prev.sequence}: prev_hash ${event.prevHash} is the content_hash of event ${prev.sequence} as served, ` +
        `and authority time ${event.authorityTimestamp} is not before its ${prev.authorityTimestamp}`,
  'content-hash': ({ event }) => `recomputed content_hash ${event.contentHash} equals the stored one`,
  'agent-signature': ({ event, keyring }) =>
    `the signature of ${event.agentId} verifies with its key ${keyName(keyring.get(event.signingKeyId) as PublicKeyRecord)}, active at ${event.authorityTimestamp}`,
  'witness-selection': ({ event, keyring }) => {
    const pool = keyring.witnessPoolAt(event.authorityTimestamp, event.agentId);
    return `the selection rule picks ${event.witnessId} from the ${pool.length} witness${pool.length === 1 ? '' : 'es'} active at ${event.authorityTimestamp}`;
  },
  'witness-signature': ({ event, keyring }) => {
    const keys = keyring.witnessKeysAt(event.witnessId, event.authorityTimestamp);
    const which = keys.length === 1 ? `its key ${keyName(keys[0] as PublicKeyRecord)}` : `one of its keys ${keys.map(keyName).join(', ')}`;
    return `the attestation of ${event.witnessId} over content_hash ${event.contentHash} verifies with ${which}`;
  },
};

/** The detail of a passed event check. */
export function describePassedEventCheck(id: EventCheckId, context: EventCheckContext): string {
  return DESCRIPTIONS[id](context);
}

/**
 * A key id, marked when it is a development key (docs/PROTOCOL.md §9): the console accepts them, as a DEV_MODE
 * server does, but says so wherever one signed.
 */
export function keyName(key: PublicKeyRecord): string {
  return isDevelopmentKeyId(key.keyId) ? `${key.keyId} (a development key)` : key.keyId;
}
