import { CustodyError } from '../../domain/errors.js';

/** HSM key ids start with this, so HSM-signed history is recognisable from the public record. */
export const HSM_KEY_PREFIX = 'hsm-';

// Our keys use 16 random bytes of CKA_ID; keys an operator made by other means may use other lengths, up to 62
// bytes, because the registry's key_id holds at most 128 characters (migration 003): 4 + 2 × 62 = 128.
const KEY_ID = /^hsm-((?:[0-9a-f]{2}){1,62})$/;

/** The key id for a key whose CKA_ID is `ckaId`: `hsm-` + lowercase hex. */
export function toHsmKeyId(ckaId: Uint8Array): string {
  return HSM_KEY_PREFIX + Buffer.from(ckaId).toString('hex');
}

/**
 * The CKA_ID bytes a key id names. Throws CustodyError CUSTODY_KEY_NOT_FOUND when `keyId` (caller input, e.g. a
 * dev- id) is not `hsm-` followed by 1 to 62 lowercase hex bytes.
 */
export function parseHsmKeyId(keyId: string): Buffer {
  const hex = KEY_ID.exec(keyId)?.[1];
  if (hex === undefined) {
    throw new CustodyError({
      code: 'CUSTODY_KEY_NOT_FOUND',
      message: `${keyId} is not an HSM key id (hsm- + 1 to 62 bytes of lowercase hex, the key's CKA_ID)`,
      details: { keyId },
    });
  }
  return Buffer.from(hex, 'hex');
}
