import pkcs11js from 'pkcs11js';
import { CustodyError } from '../../domain/errors.js';
import { PIN_REFUSED, returnCodeOf } from './pkcs11-return-codes.js';
import type { Pkcs11Handle, Pkcs11Module } from './pkcs11-library.js';
import type { PooledSession } from './pkcs11-session-pool.js';

// PKCS#11 §5.6 CK_STATE values of a session whose application is logged in as the user.
const CKS_RO_USER_FUNCTIONS = 1;
const CKS_RW_USER_FUNCTIONS = 3;

/** CustodyError CUSTODY_HSM_UNAVAILABLE naming the token and what to do. */
export function hsmUnavailable(tokenLabel: string, problem: string, returnCode?: string, cause?: unknown): CustodyError {
  return new CustodyError({
    code: 'CUSTODY_HSM_UNAVAILABLE',
    message: `HSM token "${tokenLabel}" is unavailable: ${problem}; check the HSM (device, connection, token storage), then restart the service`,
    details: { tokenLabel, returnCode },
    cause,
  });
}

/** True when `session` is logged in as the user. Throws the pkcs11js error when the session itself is gone. */
export function isLoggedIn(module: Pkcs11Module, session: Pkcs11Handle): boolean {
  const { state } = module.C_GetSessionInfo(session);
  return state === CKS_RO_USER_FUNCTIONS || state === CKS_RW_USER_FUNCTIONS;
}

/** Puts a pooled session back in working order after `lostWith`, or says why it cannot. */
export interface SessionRestorer {
  /** The CKR_ name of a PIN refused on re-login, after which the custody stops trying; undefined before. */
  readonly refused: string | undefined;
  /**
   * Opens a new session in place of a lost one (its handle is already invalid, so it is not closed: the number
   * may have been reused) and logs in again when the login went too. Throws CUSTODY_HSM_UNAVAILABLE on failure.
   */
  restore(session: PooledSession, lostWith: string): void;
}

/**
 * A restorer for sessions on `slot`. It keeps the PIN for re-login, and remembers a refused PIN so that a changed
 * PIN is never retried into a locked token, one failed operation after another.
 */
export function createSessionRestorer(module: Pkcs11Module, slot: Pkcs11Handle, pin: string, tokenLabel: string): SessionRestorer {
  let refused: string | undefined;
  return {
    get refused() {
      return refused;
    },
    restore(session, lostWith) {
      try {
        if (lostWith === 'CKR_SESSION_HANDLE_INVALID' || lostWith === 'CKR_SESSION_CLOSED') {
          session.handle = module.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
        }
        // Login is per application: after someone's C_Logout or C_CloseAllSessions every session needs it again.
        if (!isLoggedIn(module, session.handle)) module.C_Login(session.handle, pkcs11js.CKU_USER, pin);
      } catch (err) {
        const code = returnCodeOf(err);
        if (code === 'CKR_USER_ALREADY_LOGGED_IN') return;
        if (PIN_REFUSED.has(code)) refused = code;
        throw hsmUnavailable(tokenLabel, `the session was lost (${lostWith}) and reopening it failed (${code})`, code, err);
      }
    },
  };
}
