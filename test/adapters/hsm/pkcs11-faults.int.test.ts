import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { openPkcs11KeyCustody } from '../../../src/adapters/hsm/pkcs11-key-custody.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { CustodyError, HSMNotConfiguredError } from '../../../src/domain/errors.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { addSoftHsmToken, createSoftHsmToken, shouldRunSoftHsm, type SoftHsmToken } from '../../support/softhsm.js';
import { CKM_EC_EDWARDS_KEY_PAIR_GEN, ED25519_PARAMS_OID } from '../../../src/adapters/hsm/pkcs11-ed25519.js';
import { openTokenSession, P256_PARAMS, type TokenSession } from '../../support/pkcs11-token-session.js';
import type { KeyCustody } from '../../../src/app/ports.js';

const run = shouldRunSoftHsm('PKCS#11 fault tests');
const message = new TextEncoder().encode('archon72 fault test');

describe.runIf(run)('Pkcs11KeyCustody faults (SoftHSM2)', () => {
  let token: SoftHsmToken;
  const cleanups: Array<() => unknown> = [];
  const open = async (overrides: Partial<Parameters<typeof openPkcs11KeyCustody>[0]> = {}): Promise<KeyCustody> => {
    const custody = await openPkcs11KeyCustody({ libraryPath: token.libraryPath, tokenLabel: token.tokenLabel, pin: token.pin, sessions: 2, ...overrides });
    cleanups.push(() => custody.close());
    return custody;
  };
  const inspect = (): TokenSession => {
    const session = openTokenSession(token);
    cleanups.push(() => session.close());
    return session;
  };

  beforeEach(() => {
    token = createSoftHsmToken();
  });
  afterEach(async () => {
    // Last opened, first closed: the inspector never outlives the custody it watches.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    token.remove();
  });

  describe('when opening', () => {
    it('refuses a wrong PIN with CUSTODY_HSM_PIN_INCORRECT, naming HSM_PIN, and never echoes a PIN', async () => {
      const wrong = 'wrong-pin-7391';
      const err = await expectRejection(open({ pin: wrong }), HSMNotConfiguredError, 'CUSTODY_HSM_PIN_INCORRECT');
      expect(err.message).toContain('HSM_PIN');
      for (const pin of [wrong, token.pin]) expect(`${err.message} ${JSON.stringify(err.details)}`).not.toContain(pin);
    });

    it('refuses an unknown token label with CUSTODY_HSM_TOKEN_NOT_FOUND, listing the labels that exist', async () => {
      addSoftHsmToken(token, 'second-token');
      const err = await expectRejection(open({ tokenLabel: 'no-such-token' }), HSMNotConfiguredError, 'CUSTODY_HSM_TOKEN_NOT_FOUND');
      expect((err.details?.labels as string[]).slice().sort()).toEqual([token.tokenLabel, 'second-token'].sort());
      expect(err.message).toContain(`"${token.tokenLabel}"`);
      expect(err.message).toContain('"second-token"');
      expect(err.message).toContain('HSM_TOKEN_LABEL');
    });

    it('refuses a library path that does not exist, or a file that is no library, with CUSTODY_HSM_LIBRARY_UNLOADABLE', async () => {
      const err = await expectRejection(open({ libraryPath: '/nonexistent/libpkcs11.so' }), HSMNotConfiguredError, 'CUSTODY_HSM_LIBRARY_UNLOADABLE');
      expect(err.message).toContain('HSM_PKCS11_LIBRARY');
      const bogus = join(token.dir, 'not-a-library.so');
      writeFileSync(bogus, 'not an ELF file');
      await expectRejection(open({ libraryPath: bogus }), HSMNotConfiguredError, 'CUSTODY_HSM_LIBRARY_UNLOADABLE');
    });

    it('refuses a token without Ed25519 with CUSTODY_HSM_MECHANISM_UNSUPPORTED', async () => {
      token.remove();
      token = createSoftHsmToken({ mechanisms: ['CKM_EDDSA', 'CKM_SHA256'] });
      const err = await expectRejection(open(), HSMNotConfiguredError, 'CUSTODY_HSM_MECHANISM_UNSUPPORTED');
      expect(err.details?.missing).toEqual(['CKM_EC_EDWARDS_KEY_PAIR_GEN']);
    });

    it('refuses a session count below 1 with CUSTODY_HSM_NOT_CONFIGURED', async () => {
      await expectRejection(open({ sessions: 0 }), HSMNotConfiguredError, 'CUSTODY_HSM_NOT_CONFIGURED');
    });

    it('lets two custodies share one token in a process, checking the second PIN and keeping the first logged in', async () => {
      const first = await open();
      await expectRejection(open({ pin: 'other-pin' }), HSMNotConfiguredError, 'CUSTODY_HSM_PIN_INCORRECT');
      const second = await open();
      const { keyId, publicKey } = await first.generateKey('agent-shared');
      await second.close();
      expect(verifyEd25519Sodium(await first.sign(keyId, message), message, publicKey)).toBe(true);
    });
  });

  describe('keys', () => {
    it('reports a key id the token does not hold as CUSTODY_KEY_NOT_FOUND, naming key and token', async () => {
      const custody = await open();
      const keyId = `hsm-${randomBytes(16).toString('hex')}`;
      const err = await expectRejection(custody.sign(keyId, message), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
      expect(err.details).toEqual({ keyId, tokenLabel: token.tokenLabel });
      await expectRejection(custody.sign('dev-0123456789abcdef', message), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
    });

    it('refuses a P-256 key filed under an hsm- id with CUSTODY_KEY_INVALID (wrong curve/type)', async () => {
      const custody = await open();
      const ckaId = randomBytes(8);
      inspect().generate(ckaId, pkcs11js.CKM_EC_KEY_PAIR_GEN, P256_PARAMS);
      const keyId = `hsm-${ckaId.toString('hex')}`;
      const err = await expectRejection(custody.sign(keyId, message), CustodyError, 'CUSTODY_KEY_INVALID');
      expect(err.message).toContain('wrong curve/type');
      await expectRejection(custody.hasKey(keyId), CustodyError, 'CUSTODY_KEY_INVALID');
      await expectRejection(custody.signAll([{ keyId, message }]), CustodyError, 'CUSTODY_KEY_INVALID');
    });

    it('keeps the private key sensitive and never extractable: CKA_VALUE cannot be read', async () => {
      const custody = await open();
      const { keyId } = await custody.generateKey('agent-sealed');
      const tokenSession = inspect();
      const ckaId = Buffer.from(keyId.slice('hsm-'.length), 'hex');
      const key = tokenSession.find(ckaId, pkcs11js.CKO_PRIVATE_KEY);
      expect(key).toBeDefined();
      const attrs = [pkcs11js.CKA_TOKEN, pkcs11js.CKA_PRIVATE, pkcs11js.CKA_SENSITIVE, pkcs11js.CKA_ALWAYS_SENSITIVE, pkcs11js.CKA_EXTRACTABLE, pkcs11js.CKA_NEVER_EXTRACTABLE, pkcs11js.CKA_SIGN];
      const values = tokenSession.read(key as Buffer, attrs).map((v) => v[0]);
      expect(values).toEqual([1, 1, 1, 1, 0, 1, 1]);
      expect(tokenSession.read(key as Buffer, [pkcs11js.CKA_LABEL])[0]?.toString()).toBe('agent-sealed');
      expect(() => tokenSession.read(key as Buffer, [pkcs11js.CKA_VALUE])).toThrow('CKR_ATTRIBUTE_SENSITIVE');
      // PKCS#11 §4.9: CKA_EXTRACTABLE may go from true to false, never back.
      expect(() => tokenSession.module.C_SetAttributeValue(tokenSession.session, key as Buffer, [{ type: pkcs11js.CKA_EXTRACTABLE, value: true }])).toThrow(/CKR_ATTRIBUTE_READ_ONLY|CKR_ATTRIBUTE_VALUE_INVALID/);
    });

    it('signs with an Ed25519 key an operator made with pkcs11-tool (printable-string params, 3-byte CKA_ID)', async (ctx) => {
      if (spawnSync('pkcs11-tool', ['--help']).error) {
        if (process.env.ARCHON72_REQUIRE_SERVICES === '1') throw new Error('ARCHON72_REQUIRE_SERVICES=1 but pkcs11-tool (opensc) is not installed');
        ctx.skip();
      }
      const custody = await open();
      const made = spawnSync('pkcs11-tool', ['--module', token.libraryPath, '--token-label', token.tokenLabel, '--login', '--pin', token.pin, '--keypairgen', '--key-type', 'EC:edwards25519', '--id', 'a1b2c3', '--label', 'operator-made'], { env: { ...process.env, ...token.env }, encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      const tokenSession = inspect();
      const [point] = tokenSession.read(tokenSession.find(Buffer.from('a1b2c3', 'hex'), pkcs11js.CKO_PUBLIC_KEY) as Buffer, [pkcs11js.CKA_EC_POINT]);
      expect(await custody.hasKey('hsm-a1b2c3')).toBe(true);
      expect(verifyEd25519Sodium(await custody.sign('hsm-a1b2c3', message), message, (point as Buffer).subarray(2))).toBe(true);
    });
  });

  describe('when the token refuses to sign', () => {
    it('rejects with CUSTODY_SIGN_FAILED naming the return code, and yields no signature, alone or in signAll', async () => {
      const custody = await open();
      const good = await custody.generateKey('agent-good');
      const ckaId = randomBytes(16);
      // An Ed25519 key that may not sign: C_SignInit answers CKR_KEY_FUNCTION_NOT_PERMITTED.
      inspect().generate(ckaId, CKM_EC_EDWARDS_KEY_PAIR_GEN, ED25519_PARAMS_OID, [{ type: pkcs11js.CKA_SIGN, value: false }]);
      const keyId = `hsm-${ckaId.toString('hex')}`;
      const err = await expectRejection(custody.sign(keyId, message), CustodyError, 'CUSTODY_SIGN_FAILED');
      expect(err.details?.returnCode).toBe('CKR_KEY_FUNCTION_NOT_PERMITTED');
      await expectRejection(custody.signAll([{ keyId: good.keyId, message }, { keyId, message }]), CustodyError, 'CUSTODY_SIGN_FAILED');
      // The failure left the sessions usable.
      expect(verifyEd25519Sodium(await custody.sign(good.keyId, message), message, good.publicKey)).toBe(true);
    });
  });
});
