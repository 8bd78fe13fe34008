import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { openPkcs11KeyCustody } from '../../../src/adapters/hsm/pkcs11-key-custody.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { CustodyError } from '../../../src/domain/errors.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { createSoftHsmToken, shouldRunSoftHsm, type SoftHsmToken } from '../../support/softhsm.js';
import { openTokenSession, type TokenSession } from '../../support/pkcs11-token-session.js';
import type { KeyCustody } from '../../../src/app/ports.js';

const run = shouldRunSoftHsm('PKCS#11 HSM-loss tests');
const message = new TextEncoder().encode('archon72 hsm loss');

/**
 * The HSM going away under a running custody, provoked for real on SoftHSM2 (no mock): its token storage
 * vanishing, and another user of the same library in the process closing every session or finalizing it.
 */
describe.runIf(run)('Pkcs11KeyCustody when the HSM goes away mid-run (SoftHSM2)', () => {
  let token: SoftHsmToken;
  let custody: KeyCustody;
  let key: { keyId: string; publicKey: Uint8Array };
  let other: TokenSession | undefined;
  let moved: string | undefined;

  beforeEach(async () => {
    token = createSoftHsmToken();
    custody = await openPkcs11KeyCustody({ libraryPath: token.libraryPath, tokenLabel: token.tokenLabel, pin: token.pin, sessions: 3 });
    key = await custody.generateKey('agent-loss');
    expect(verifyEd25519Sodium(await custody.sign(key.keyId, message), message, key.publicKey)).toBe(true);
  });
  afterEach(async () => {
    other?.close();
    other = undefined;
    await custody.close();
    if (moved) rmSync(moved, { recursive: true, force: true });
    moved = undefined;
    token.remove();
  });

  describe('when the token storage disappears (its directory moved away)', () => {
    beforeEach(() => {
      // A SoftHSM token is a directory named by its UUID under directories.tokendir.
      const [uuid] = readdirSync(token.dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      moved = `${token.dir}-gone`;
      renameSync(join(token.dir, uuid as string), moved);
    });

    it('rejects sign, signAll, hasKey and generateKey with CUSTODY_HSM_UNAVAILABLE naming the token', async () => {
      const err = await expectRejection(custody.sign(key.keyId, message), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      expect(err.details?.tokenLabel).toBe(token.tokenLabel);
      expect(err.message).toContain(token.tokenLabel);
      await expectRejection(custody.signAll([{ keyId: key.keyId, message }]), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      await expectRejection(custody.hasKey(key.keyId), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      await expectRejection(custody.generateKey('agent-after-loss'), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
    });

    it('still closes cleanly', async () => {
      await expectRejection(custody.sign(key.keyId, message), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      await custody.close();
      await custody.close();
    });
  });

  describe('when another user of the library finalizes it (C_Finalize)', () => {
    it('rejects with CUSTODY_HSM_UNAVAILABLE (CKR_CRYPTOKI_NOT_INITIALIZED), then closes cleanly', async () => {
      other = openTokenSession(token);
      other.module.C_Finalize();
      const err = await expectRejection(custody.sign(key.keyId, message), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      expect(err.details?.returnCode).toBe('CKR_CRYPTOKI_NOT_INITIALIZED');
      await custody.close();
    });
  });

  describe('when another user of the library logs the application out (C_Logout)', () => {
    it('logs in again once and keeps signing, instead of reporting the key missing', async () => {
      other = openTokenSession(token);
      other.module.C_Logout(other.session);
      expect(verifyEd25519Sodium(await custody.sign(key.keyId, message), message, key.publicKey)).toBe(true);
      other.module.C_Logout(other.session);
      expect(await custody.hasKey(key.keyId)).toBe(true);
    });
  });

  describe('when another user of the library closes every session (C_CloseAllSessions, which also logs out)', () => {
    beforeEach(() => {
      other = openTokenSession(token);
      other.module.C_CloseAllSessions(other.slot);
    });

    it('reopens each lost session once, logs in again, and keeps signing with the same key', async () => {
      const signatures = await Promise.all(Array.from({ length: 6 }, () => custody.sign(key.keyId, message)));
      for (const signature of signatures) expect(verifyEd25519Sodium(signature, message, key.publicKey)).toBe(true);
      expect(await custody.hasKey(key.keyId)).toBe(true);
    });

    it('gives up with CUSTODY_HSM_UNAVAILABLE when logging in again is refused (the PIN changed meanwhile), without retrying the PIN', async () => {
      // Change the user PIN through a fresh session, then drop every session again.
      const setter = other as TokenSession;
      const session = setter.module.C_OpenSession(setter.slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
      setter.module.C_Login(session, pkcs11js.CKU_USER, token.pin);
      setter.module.C_SetPIN(session, token.pin, 'a-new-pin-1234');
      setter.module.C_CloseAllSessions(setter.slot);
      const first = await expectRejection(custody.sign(key.keyId, message), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      expect(first.message).toMatch(/reopening it failed \(CKR_PIN_INCORRECT\)/);
      const second = await expectRejection(custody.sign(key.keyId, message), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      expect(second.message).toMatch(/logging in again was refused \(CKR_PIN_INCORRECT\)/);
    });
  });
});
