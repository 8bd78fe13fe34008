import { realpathSync } from 'node:fs';
import { createHash, timingSafeEqual } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { HSMNotConfiguredError } from '../../domain/errors.js';
import { PIN_REFUSED, returnCodeOf } from './pkcs11-return-codes.js';

/** A loaded PKCS#11 library. */
export type Pkcs11Module = InstanceType<typeof pkcs11js.PKCS11>;
/** A slot, session or object handle (pkcs11js passes CK_ULONG handles as Buffers). */
export type Pkcs11Handle = Buffer;

/**
 * One library as this process holds it. PKCS#11 state is per process, not per handle: dlopen of the same file
 * returns the same library, C_Finalize from anyone ends everyone's sessions, and C_Login / C_Logout apply to
 * every session of the application on that token. So custodies sharing a library count their references here.
 */
export interface LoadedLibrary {
  readonly path: string;
  readonly module: Pkcs11Module;
  refs: number;
  /** False when someone else in the process had already initialized it: then it is theirs to finalize. */
  initializedHere: boolean;
  /** Per slot (hex of the handle): how many custodies rely on the user login, and a digest of the PIN used. */
  logins: Map<string, { refs: number; pinDigest: Buffer }>;
}

const loaded = new Map<string, LoadedLibrary>();

/**
 * Loads and initializes the library at `libraryPath`, or shares the copy this process already holds.
 * Throws HSMNotConfiguredError CUSTODY_HSM_LIBRARY_UNLOADABLE when it cannot be loaded or C_Initialize fails.
 */
export function acquireLibrary(libraryPath: string): LoadedLibrary {
  const key = canonicalPath(libraryPath);
  const existing = loaded.get(key);
  if (existing) {
    existing.refs += 1;
    return existing;
  }
  const module = new pkcs11js.PKCS11();
  try {
    module.load(libraryPath);
  } catch (err) {
    throw unloadable(libraryPath, `cannot be loaded (${(err as Error).message})`, err);
  }
  let initializedHere = true;
  try {
    // CKF_OS_LOCKING_OK: signing runs on libuv's thread pool, several sessions at once. With NULL arguments
    // PKCS#11 §5.4 lets the library assume one thread, and SoftHSM then turns its own locking off.
    module.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (err) {
    if (returnCodeOf(err) === 'CKR_CRYPTOKI_ALREADY_INITIALIZED') initializedHere = false;
    else {
      closeQuietly(module);
      throw unloadable(libraryPath, `loaded but C_Initialize failed (${returnCodeOf(err)})`, err);
    }
  }
  const library: LoadedLibrary = { path: key, module, refs: 1, initializedHere, logins: new Map() };
  loaded.set(key, library);
  return library;
}

/** Drops one reference; the last one finalizes (if we initialized) and unloads the library. Never throws. */
export function releaseLibrary(library: LoadedLibrary): void {
  library.refs -= 1;
  if (library.refs > 0) return;
  loaded.delete(library.path);
  if (library.initializedHere) {
    try {
      library.module.C_Finalize();
    } catch {
      // Already finalized under us (CKR_CRYPTOKI_NOT_INITIALIZED): nothing left to release.
    }
  }
  closeQuietly(library.module);
}

/**
 * Logs the user in on `slot` through `session`, once per process: a later custody on the same token only has
 * its PIN compared with the one that logged in (C_Login would answer CKR_USER_ALREADY_LOGGED_IN without checking
 * it). Throws HSMNotConfiguredError CUSTODY_HSM_PIN_INCORRECT; the PIN never appears in the error.
 */
export function loginUser(library: LoadedLibrary, slot: Pkcs11Handle, session: Pkcs11Handle, pin: string, tokenLabel: string): void {
  const slotKey = slot.toString('hex');
  const pinDigest = createHash('sha256').update(pin, 'utf8').digest();
  const login = library.logins.get(slotKey);
  if (login) {
    if (!timingSafeEqual(login.pinDigest, pinDigest)) throw pinRefused(tokenLabel, 'differs from the PIN this process already logged in with');
    login.refs += 1;
    return;
  }
  try {
    library.module.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (err) {
    const code = returnCodeOf(err);
    if (PIN_REFUSED.has(code)) throw pinRefused(tokenLabel, `was refused (${code})`, err);
    // Logged in by other code in this process, outside these custodies: the token already trusts this application.
    if (code !== 'CKR_USER_ALREADY_LOGGED_IN') {
      throw new HSMNotConfiguredError({ code: 'CUSTODY_HSM_NOT_CONFIGURED', message: `C_Login to token "${tokenLabel}" failed (${code}); check the token's user PIN is initialized`, details: { tokenLabel, returnCode: code }, cause: err });
    }
  }
  library.logins.set(slotKey, { refs: 1, pinDigest });
}

/** Drops one reliance on the login; the last one logs out through `session`. Never throws. */
export function logoutUser(library: LoadedLibrary, slot: Pkcs11Handle, session: Pkcs11Handle): void {
  const slotKey = slot.toString('hex');
  const login = library.logins.get(slotKey);
  if (login === undefined) return;
  login.refs -= 1;
  if (login.refs > 0) return;
  library.logins.delete(slotKey);
  try {
    library.module.C_Logout(session);
  } catch {
    // The session or token is already gone, and the login with it.
  }
}

function canonicalPath(libraryPath: string): string {
  try {
    return realpathSync(libraryPath);
  } catch {
    return libraryPath;
  }
}

function closeQuietly(module: Pkcs11Module): void {
  try {
    module.close();
  } catch {
    // Not loaded: nothing to unload.
  }
}

function unloadable(libraryPath: string, problem: string, cause: unknown): HSMNotConfiguredError {
  return new HSMNotConfiguredError({
    code: 'CUSTODY_HSM_LIBRARY_UNLOADABLE',
    message: `PKCS#11 library ${libraryPath} ${problem}; check HSM_PKCS11_LIBRARY names the vendor's PKCS#11 module (a .so file)`,
    details: { libraryPath },
    cause,
  });
}

function pinRefused(tokenLabel: string, problem: string, cause?: unknown): HSMNotConfiguredError {
  return new HSMNotConfiguredError({
    code: 'CUSTODY_HSM_PIN_INCORRECT',
    message: `the user PIN for token "${tokenLabel}" ${problem}; check HSM_PIN or HSM_PIN_FILE (a locked PIN must be reset by the token's security officer)`,
    details: { tokenLabel },
    cause,
  });
}
