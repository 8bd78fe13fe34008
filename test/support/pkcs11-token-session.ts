import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { acquireLibrary, loginUser, logoutUser, releaseLibrary, type Pkcs11Handle, type Pkcs11Module } from '../../src/adapters/hsm/pkcs11-library.js';
import { findTokenSlot } from '../../src/adapters/hsm/pkcs11-token.js';
import type { SoftHsmToken } from './softhsm.js';

/**
 * A second, independent user of the token in the test process, for looking at and planting objects the custody
 * under test must cope with. It shares the process's library and login through the same reference counts as
 * the custody, so closing either never logs the other out or finalizes the library under it.
 */
export interface TokenSession {
  module: Pkcs11Module;
  slot: Pkcs11Handle;
  session: Pkcs11Handle;
  /** The object of `objectClass` (CKO_*) with this CKA_ID, or undefined. */
  find(ckaId: Buffer, objectClass: number): Pkcs11Handle | undefined;
  /** Attribute values (raw bytes) of `object`, in the order asked. */
  read(object: Pkcs11Handle, types: number[]): Buffer[];
  /** Generates a token key pair with mechanism `mechanism`, EC params `params`, and extra private attributes. */
  generate(ckaId: Buffer, mechanism: number, params: Buffer, privateExtra?: Array<{ type: number; value: boolean }>): { publicKey: Pkcs11Handle; privateKey: Pkcs11Handle };
  close(): void;
}

/** DER OID 1.2.840.10045.3.1.7 (NIST P-256, RFC 5480). */
export const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

/** Opens a logged-in session on `token` (create the token first: SoftHSM reads SOFTHSM2_CONF at C_Initialize). */
export function openTokenSession(token: SoftHsmToken): TokenSession {
  const library = acquireLibrary(token.libraryPath);
  const { module } = library;
  const slot = findTokenSlot(module, token.tokenLabel, token.libraryPath);
  const session = module.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
  loginUser(library, slot, session, token.pin, token.tokenLabel);
  return {
    module,
    slot,
    session,
    find(ckaId, objectClass) {
      module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: objectClass }, { type: pkcs11js.CKA_ID, value: ckaId }]);
      const [found] = module.C_FindObjects(session, 1);
      module.C_FindObjectsFinal(session);
      return found;
    },
    read(object, types) {
      return module.C_GetAttributeValue(session, object, types.map((type) => ({ type }))).map((a) => a.value as Buffer);
    },
    generate(ckaId, mechanism, params, privateExtra = []) {
      const common = [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_ID, value: ckaId },
        { type: pkcs11js.CKA_LABEL, value: `planted-${randomBytes(2).toString('hex')}` },
      ];
      return module.C_GenerateKeyPair(
        session,
        { mechanism },
        [...common, { type: pkcs11js.CKA_EC_PARAMS, value: params }, { type: pkcs11js.CKA_VERIFY, value: true }],
        [...common, { type: pkcs11js.CKA_PRIVATE, value: true }, { type: pkcs11js.CKA_SENSITIVE, value: true }, { type: pkcs11js.CKA_SIGN, value: true }, ...privateExtra],
      );
    },
    close() {
      logoutUser(library, slot, session);
      try {
        module.C_CloseSession(session);
      } catch {
        // Closed under us (a test called C_CloseAllSessions or C_Finalize).
      }
      releaseLibrary(library);
    },
  };
}
