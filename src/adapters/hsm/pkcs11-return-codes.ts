/**
 * PKCS#11 return values as pkcs11js reports them, sorted by what the custody should do about each.
 * pkcs11js turns a CK_RV into a Pkcs11Error whose message is the CKR_ name; anything else it throws (a dlopen
 * failure, a bad argument) is a plain Error.
 */

/** The CKR_ name of a pkcs11js error, or 'native error' when the failure was not a PKCS#11 return value. */
export function returnCodeOf(err: unknown): string {
  if (err instanceof Error && /^CKR_[A-Z0-9_]+$/.test(err.message)) return err.message;
  return 'native error';
}

/** The token, its session or the library is gone: the custody cannot sign until an operator acts. */
const HSM_LOST = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_DEVICE_ERROR',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_SLOT_ID_INVALID',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
]);

/**
 * Failures one more try can cure while the token still answers: our session or its login died (something else
 * in the process called C_CloseAllSessions or C_Logout), or a cached object handle went stale (SoftHSM
 * invalidates private-object handles on logout; a key can also be deleted, which the next lookup reports).
 */
const RETRYABLE = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
]);

/** The PIN was refused at C_Login. */
export const PIN_REFUSED = new Set(['CKR_PIN_INCORRECT', 'CKR_PIN_LEN_RANGE', 'CKR_PIN_LOCKED', 'CKR_PIN_INVALID', 'CKR_PIN_EXPIRED']);

/** True when `code` means the HSM went away (CustodyError CUSTODY_HSM_UNAVAILABLE). */
export function meansHsmLost(code: string): boolean {
  return HSM_LOST.has(code);
}

/** True when restoring the session and trying once more may succeed. */
export function isRetryable(code: string): boolean {
  return RETRYABLE.has(code);
}
