import { randomBytes } from 'node:crypto';
import { verifyEd25519Sodium } from '../crypto/sodium-ed25519.js';
import { CustodyError, HSMNotConfiguredError } from '../../domain/errors.js';
import { CKM_EDDSA } from './pkcs11-ed25519.js';
import { parseHsmKeyId, toHsmKeyId } from './pkcs11-key-id.js';
import { findEd25519PrivateKey, generateEd25519KeyPair } from './pkcs11-key-objects.js';
import { acquireLibrary, loginUser, logoutUser, releaseLibrary, type LoadedLibrary, type Pkcs11Handle } from './pkcs11-library.js';
import { isRetryable, meansHsmLost, returnCodeOf } from './pkcs11-return-codes.js';
import { createSessionRestorer, hsmUnavailable, isLoggedIn } from './pkcs11-session-restore.js';
import { Pkcs11SessionPool, type PooledSession } from './pkcs11-session-pool.js';
import { signOnThreadPool } from './pkcs11-async.js';
import { checkEd25519Mechanisms, closeSessions, findTokenSlot, openSessions } from './pkcs11-token.js';
import type { KeyCustody } from '../../app/ports.js';

/** Where the HSM is and how to log in. The PIN is used for C_Login only and never appears in errors or logs. */
export interface Pkcs11KeyCustodyOptions {
  /** HSM_PKCS11_LIBRARY: the vendor's PKCS#11 module. */
  libraryPath: string;
  /** HSM_TOKEN_LABEL: label of the token holding the keys (compared without PKCS#11's space padding). */
  tokenLabel: string;
  /** HSM_PIN / HSM_PIN_FILE: the user (CKU_USER) PIN. */
  pin: string;
  /** HSM_SESSIONS: logged-in sessions that sign in parallel. */
  sessions: number;
}

const ED25519_SIGNATURE_BYTES = 64;

/** Our session lost its login without the token saying so: handled exactly like CKR_USER_NOT_LOGGED_IN. */
class LoginLostError extends Error {
  constructor() {
    super('CKR_USER_NOT_LOGGED_IN');
  }
}

/**
 * The production key custody: Ed25519 keys generated and used inside a PKCS#11 token, never leaving it. Opens
 * the library, finds the token by label, checks it offers Ed25519 (CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA), opens
 * `sessions` read-write sessions and logs the user in. Key ids are `hsm-` + hex of the key's CKA_ID.
 * Throws HSMNotConfiguredError: CUSTODY_HSM_LIBRARY_UNLOADABLE, CUSTODY_HSM_TOKEN_NOT_FOUND,
 * CUSTODY_HSM_PIN_INCORRECT, CUSTODY_HSM_MECHANISM_UNSUPPORTED, CUSTODY_HSM_NOT_CONFIGURED (bad session count,
 * ambiguous label, token refusing the sessions) or CUSTODY_HSM_UNAVAILABLE.
 * The returned custody's operations throw CustodyError CUSTODY_KEY_NOT_FOUND, CUSTODY_KEY_INVALID (not an
 * Ed25519 key), CUSTODY_HSM_UNAVAILABLE (token, session or library gone; once the PIN is refused on re-login,
 * every later call) or CUSTODY_SIGN_FAILED (the token refused to sign, or to generate a key; the CKR_ name is
 * in message and details.returnCode). A lost session, lost login or stale handle is restored and the call tried
 * once more, never more.
 */
export async function openPkcs11KeyCustody(options: Pkcs11KeyCustodyOptions): Promise<KeyCustody> {
  const { libraryPath, tokenLabel, pin, sessions } = options;
  if (!Number.isInteger(sessions) || sessions < 1 || sessions > 1024) {
    throw new HSMNotConfiguredError({ code: 'CUSTODY_HSM_NOT_CONFIGURED', message: `HSM_SESSIONS must be a whole number from 1 to 1024, not ${sessions}`, details: { sessions } });
  }
  const library = acquireLibrary(libraryPath);
  let handles: Pkcs11Handle[] = [];
  try {
    const slot = findTokenSlot(library.module, tokenLabel, libraryPath);
    checkEd25519Mechanisms(library.module, slot, tokenLabel, libraryPath);
    handles = openSessions(library.module, slot, sessions, tokenLabel);
    // Login is per token and application (PKCS#11 §5.6): one C_Login covers every session.
    loginUser(library, slot, handles[0] as Pkcs11Handle, pin, tokenLabel);
    return createPkcs11KeyCustody({ library, slot, tokenLabel, pin, handles });
  } catch (err) {
    closeSessions(library.module, handles);
    releaseLibrary(library);
    throw err;
  }
}

interface OpenToken {
  library: LoadedLibrary;
  slot: Pkcs11Handle;
  tokenLabel: string;
  pin: string;
  handles: Pkcs11Handle[];
}

function createPkcs11KeyCustody(token: OpenToken): KeyCustody {
  const { library, slot, tokenLabel } = token;
  const { module } = library;
  const pool = new Pkcs11SessionPool(token.handles, () => unavailable('custody was closed'));
  // Object handles stay valid across this application's sessions until logout, so lookups are cached per key id.
  const keyHandles = new Map<string, Pkcs11Handle>();
  const restorer = createSessionRestorer(module, slot, token.pin, tokenLabel);
  let closing: Promise<void> | undefined;

  const unavailable = (problem: string, returnCode?: string, cause?: unknown) => hsmUnavailable(tokenLabel, problem, returnCode, cause);

  function tokenPresent(): boolean {
    try {
      module.C_GetTokenInfo(slot);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A find that returns nothing means "no such key" only while the token is there and we are logged in: SoftHSM
   * answers a find on a token whose storage vanished with no objects, and private objects are invisible after
   * a logout (someone else's C_Logout or C_CloseAllSessions), with no error either way.
   */
  function confirmAbsent(session: PooledSession, what: string): void {
    if (!tokenPresent()) throw unavailable(`${what} found nothing and the token no longer answers C_GetTokenInfo`);
    if (!isLoggedIn(module, session.handle)) throw new LoginLostError();
  }

  /** Turns a failure into our typed error: HSM loss when the code says so or the token no longer answers. */
  function describe(err: unknown, what: string): CustodyError {
    if (err instanceof CustodyError) return err;
    const code = returnCodeOf(err);
    if (meansHsmLost(code) || !tokenPresent()) return unavailable(`${what} failed (${code})`, code, err);
    return new CustodyError({ code: 'CUSTODY_SIGN_FAILED', message: `${what} failed in token "${tokenLabel}" (${code})`, details: { tokenLabel, returnCode: code }, cause: err });
  }

  /**
   * Runs `operation` on a pooled session. On a lost session, lost login or stale object handle, while the token
   * still answers, it restores the session (new session, login again), drops cached handles and tries exactly
   * once more; never more.
   */
  function withSession<T>(what: string, operation: (session: PooledSession) => Promise<T>): Promise<T> {
    return pool.run(async (session) => {
      if (restorer.refused !== undefined) throw unavailable(`the login was lost and logging in again was refused (${restorer.refused})`, restorer.refused);
      try {
        return await operation(session);
      } catch (err) {
        const code = returnCodeOf(err);
        if (err instanceof CustodyError || !isRetryable(code) || !tokenPresent()) throw describe(err, what);
        restorer.restore(session, code);
        // SoftHSM invalidates private-object handles on logout, which a lost session can imply: look keys up again.
        keyHandles.clear();
        try {
          return await operation(session);
        } catch (retryErr) {
          throw describe(retryErr, what);
        }
      }
    });
  }

  function keyHandle(session: PooledSession, keyId: string): Pkcs11Handle {
    const cached = keyHandles.get(keyId);
    if (cached) return cached;
    const key = findEd25519PrivateKey(module, session.handle, parseHsmKeyId(keyId), keyId);
    if (key === undefined) {
      confirmAbsent(session, `looking up ${keyId}`);
      throw new CustodyError({ code: 'CUSTODY_KEY_NOT_FOUND', message: `key ${keyId} is not in HSM token "${tokenLabel}" (no private key with that CKA_ID)`, details: { keyId, tokenLabel } });
    }
    keyHandles.set(keyId, key);
    return key;
  }

  async function signWith(session: PooledSession, key: Pkcs11Handle, message: Uint8Array): Promise<Uint8Array> {
    // CKM_EDDSA without parameters: pure Ed25519 over the whole message (PKCS#11 3.0 §2.3.6).
    module.C_SignInit(session.handle, { mechanism: CKM_EDDSA }, key);
    // A copy: the caller may reuse its buffer while the thread pool still reads ours.
    const signature = await signOnThreadPool(module, session.handle, Buffer.from(message), ED25519_SIGNATURE_BYTES);
    if (signature.length !== ED25519_SIGNATURE_BYTES) {
      throw new CustodyError({ code: 'CUSTODY_SIGN_FAILED', message: `token "${tokenLabel}" returned a ${signature.length}-byte signature, not 64`, details: { tokenLabel } });
    }
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
  }

  const sign = (keyId: string, message: Uint8Array) => withSession(`signing with ${keyId}`, (s) => signWith(s, keyHandle(s, keyId), message));

  return {
    mode: 'PRODUCTION',

    generateKey(agentId) {
      return withSession(`generating a key pair for ${agentId}`, async (session) => {
        // If a step after C_GenerateKeyPair fails and the retry runs, the first pair stays in the token, unused.
        const pair = await generateEd25519KeyPair(module, session.handle, agentId);
        const keyId = toHsmKeyId(pair.ckaId);
        // Proves the point read back belongs to the new private key before anyone registers it.
        const probe = randomBytes(32);
        if (!verifyEd25519Sodium(await signWith(session, pair.privateKey, probe), probe, pair.publicKey)) {
          throw new CustodyError({ code: 'CUSTODY_KEY_INVALID', message: `new key ${keyId} in token "${tokenLabel}" signs, but not for the CKA_EC_POINT it reports`, details: { keyId, tokenLabel } });
        }
        keyHandles.set(keyId, pair.privateKey);
        return { keyId, publicKey: pair.publicKey };
      });
    },

    async hasKey(keyId) {
      let ckaId: Buffer;
      try {
        ckaId = parseHsmKeyId(keyId);
      } catch {
        return false;
      }
      // Always asks the token: a cached handle would hide a key deleted since.
      return withSession(`looking up ${keyId}`, async (session) => {
        const key = findEd25519PrivateKey(module, session.handle, ckaId, keyId);
        if (key === undefined) confirmAbsent(session, `looking up ${keyId}`);
        else keyHandles.set(keyId, key);
        return key !== undefined;
      });
    },

    sign,

    async signAll(requests) {
      // Every key is looked up before anything is signed, so a missing key fails the call up front.
      for (const keyId of new Set(requests.map((r) => r.keyId))) await withSession(`looking up ${keyId}`, async (s) => keyHandle(s, keyId));
      // All settle before the call returns, so no signing is left running behind a rejection.
      const settled = await Promise.allSettled(requests.map((r) => sign(r.keyId, r.message)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      return settled.map((s) => (s as PromiseFulfilledResult<Uint8Array>).value);
    },

    close() {
      closing ??= (async () => {
        const sessions = await pool.close();
        logoutUser(library, slot, sessions[0] as Pkcs11Handle);
        closeSessions(module, sessions);
        releaseLibrary(library);
      })();
      return closing;
    },
  };
}
