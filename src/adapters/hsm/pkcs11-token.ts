import pkcs11js from 'pkcs11js';
import { HSMNotConfiguredError } from '../../domain/errors.js';
import { CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA } from './pkcs11-ed25519.js';
import { returnCodeOf } from './pkcs11-return-codes.js';
import type { Pkcs11Handle, Pkcs11Module } from './pkcs11-library.js';

/**
 * The slot holding the token labelled `tokenLabel`. CK_TOKEN_INFO labels are 32 bytes padded with spaces
 * (PKCS#11 §3.2), so they are compared trimmed. Throws HSMNotConfiguredError CUSTODY_HSM_TOKEN_NOT_FOUND naming
 * the labels that do exist, or CUSTODY_HSM_NOT_CONFIGURED when several tokens share the label.
 */
export function findTokenSlot(module: Pkcs11Module, tokenLabel: string, libraryPath: string): Pkcs11Handle {
  const labels: string[] = [];
  const matches: Pkcs11Handle[] = [];
  for (const slot of callOrNotConfigured(() => module.C_GetSlotList(true), 'C_GetSlotList', libraryPath)) {
    const info = callOrNotConfigured(() => module.C_GetTokenInfo(slot), 'C_GetTokenInfo', libraryPath);
    // An uninitialized token (SoftHSM's spare slot) has no label and cannot hold keys.
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
    const label = info.label.trim();
    labels.push(label);
    if (label === tokenLabel) matches.push(slot);
  }
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    throw new HSMNotConfiguredError({ code: 'CUSTODY_HSM_NOT_CONFIGURED', message: `${matches.length} tokens in ${libraryPath} are labelled "${tokenLabel}"; relabel them so HSM_TOKEN_LABEL names exactly one`, details: { tokenLabel, libraryPath } });
  }
  const present = labels.length === 0 ? 'none' : labels.map((l) => `"${l}"`).join(', ');
  throw new HSMNotConfiguredError({
    code: 'CUSTODY_HSM_TOKEN_NOT_FOUND',
    message: `no initialized token labelled "${tokenLabel}" in ${libraryPath} (tokens present: ${present}); check HSM_TOKEN_LABEL and HSM_PKCS11_LIBRARY`,
    details: { tokenLabel, libraryPath, labels },
  });
}

/**
 * Checks the token can generate Ed25519 key pairs and sign with pure EdDSA. Throws HSMNotConfiguredError
 * CUSTODY_HSM_MECHANISM_UNSUPPORTED naming what is missing.
 */
export function checkEd25519Mechanisms(module: Pkcs11Module, slot: Pkcs11Handle, tokenLabel: string, libraryPath: string): void {
  const offered = new Set(callOrNotConfigured(() => module.C_GetMechanismList(slot), 'C_GetMechanismList', libraryPath));
  const needed = [
    { name: 'CKM_EC_EDWARDS_KEY_PAIR_GEN', type: CKM_EC_EDWARDS_KEY_PAIR_GEN, flag: pkcs11js.CKF_GENERATE_KEY_PAIR },
    { name: 'CKM_EDDSA', type: CKM_EDDSA, flag: pkcs11js.CKF_SIGN },
  ];
  const missing = needed.filter((m) => !offered.has(m.type) || (module.C_GetMechanismInfo(slot, m.type).flags & m.flag) === 0).map((m) => m.name);
  if (missing.length === 0) return;
  throw new HSMNotConfiguredError({
    code: 'CUSTODY_HSM_MECHANISM_UNSUPPORTED',
    message: `token "${tokenLabel}" does not offer ${missing.join(' and ')}, which Ed25519 keys need (a PKCS#11 3.0 mechanism; SoftHSM ≥ 2.6 has it); check HSM_PKCS11_LIBRARY and HSM_TOKEN_LABEL name an Ed25519-capable token`,
    details: { tokenLabel, libraryPath, missing },
  });
}

/**
 * Opens `count` read-write sessions on `slot` (read-write, because generateKey creates token objects).
 * On failure closes the ones already open and throws HSMNotConfiguredError: CUSTODY_HSM_NOT_CONFIGURED for
 * CKR_SESSION_COUNT (too many for this token), otherwise CUSTODY_HSM_UNAVAILABLE.
 */
export function openSessions(module: Pkcs11Module, slot: Pkcs11Handle, count: number, tokenLabel: string): Pkcs11Handle[] {
  const sessions: Pkcs11Handle[] = [];
  try {
    for (let i = 0; i < count; i++) sessions.push(module.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION));
    return sessions;
  } catch (err) {
    closeSessions(module, sessions);
    const code = returnCodeOf(err);
    const tooMany = code === 'CKR_SESSION_COUNT';
    throw new HSMNotConfiguredError({
      code: tooMany ? 'CUSTODY_HSM_NOT_CONFIGURED' : 'CUSTODY_HSM_UNAVAILABLE',
      message: tooMany
        ? `token "${tokenLabel}" refused session ${sessions.length + 1} of ${count} (${code}); lower HSM_SESSIONS`
        : `cannot open a session on token "${tokenLabel}" (${code}); check the HSM is reachable`,
      details: { tokenLabel, sessions: count, returnCode: code },
      cause: err,
    });
  }
}

/** Closes each session, ignoring those already gone. */
export function closeSessions(module: Pkcs11Module, sessions: Pkcs11Handle[]): void {
  for (const session of sessions) {
    try {
      module.C_CloseSession(session);
    } catch {
      // Already closed (C_CloseAllSessions, token removed): nothing to release.
    }
  }
}

function callOrNotConfigured<T>(call: () => T, name: string, libraryPath: string): T {
  try {
    return call();
  } catch (err) {
    const code = returnCodeOf(err);
    throw new HSMNotConfiguredError({ code: 'CUSTODY_HSM_UNAVAILABLE', message: `${name} failed in ${libraryPath} (${code}); check the HSM is reachable`, details: { libraryPath, returnCode: code }, cause: err });
  }
}
