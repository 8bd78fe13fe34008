import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { CustodyError } from '../../src/domain/errors.js';
import { expectRejection } from '../support/expect-rejection.js';
import type { KeyCustody } from '../../src/app/ports.js';

/** Key storage a contract run works on: a data directory, an HSM token. */
export interface CustodyBackend {
  /** Opens a custody over this storage; a second call is a restart over the same keys. */
  open(): Promise<KeyCustody>;
  /** Deletes the storage; called after every custody opened on it is closed. */
  remove(): void;
  mode: KeyCustody['mode'];
  /** Shape of the key ids this custody issues. */
  keyIdPattern: RegExp;
  /** A well-formed key id of this custody's kind that it does not hold. */
  unknownKeyId: string;
}

const encode = (text: string) => new TextEncoder().encode(text);

/**
 * The KeyCustody contract: the software custody and PKCS#11 on SoftHSM2 must pass the same cases. `makeBackend`
 * returns undefined when the backend is absent (the runner has already printed why).
 */
export function keyCustodyContract(name: string, makeBackend: () => Promise<CustodyBackend | undefined>): void {
  describe(`KeyCustody contract: ${name}`, () => {
    let backend: CustodyBackend | undefined;
    const opened: KeyCustody[] = [];
    const open = async () => {
      const custody = await (backend as CustodyBackend).open();
      opened.push(custody);
      return custody;
    };

    beforeEach(async (ctx) => {
      backend = await makeBackend();
      if (backend === undefined) ctx.skip();
    });
    afterEach(async () => {
      for (const custody of opened.splice(0)) await custody.close();
      backend?.remove();
    });

    it('generates a key whose signatures verify under the public key it returns', async () => {
      const custody = await open();
      expect(custody.mode).toBe(backend?.mode);
      const { keyId, publicKey } = await custody.generateKey('SYSTEM:EVENT_WRITER');
      expect(keyId).toMatch(backend?.keyIdPattern as RegExp);
      expect(publicKey).toHaveLength(32);
      const signature = await custody.sign(keyId, encode('archon72 contract'));
      expect(signature).toHaveLength(64);
      expect(verifyEd25519Sodium(signature, encode('archon72 contract'), publicKey)).toBe(true);
      expect(verifyEd25519Sodium(signature, encode('archon72 contracT'), publicKey)).toBe(false);
    });

    it('gives every generated key its own id and public key', async () => {
      const custody = await open();
      const a = await custody.generateKey('agent-a');
      const b = await custody.generateKey('agent-a');
      expect(a.keyId).not.toBe(b.keyId);
      expect(Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey))).toBe(false);
    });

    it('says which keys it holds', async () => {
      const custody = await open();
      const { keyId } = await custody.generateKey('agent-has');
      expect(await custody.hasKey(keyId)).toBe(true);
      expect(await custody.hasKey(backend?.unknownKeyId as string)).toBe(false);
      expect(await custody.hasKey('not-a-key-id')).toBe(false);
    });

    describe('when asked to sign with a key it does not hold', () => {
      it('rejects with CUSTODY_KEY_NOT_FOUND, for an unknown id and for an id of another shape', async () => {
        const custody = await open();
        await expectRejection(custody.sign(backend?.unknownKeyId as string, encode('m')), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
        await expectRejection(custody.sign('not-a-key-id', encode('m')), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
      });
    });

    describe('signAll', () => {
      it('returns the signatures in request order, each by its own key', async () => {
        const custody = await open();
        const keys = [await custody.generateKey('agent-1'), await custody.generateKey('agent-2')];
        const requests = Array.from({ length: 12 }, (_, i) => ({ key: keys[i % 3 === 0 ? 0 : 1] as (typeof keys)[0], message: encode(`message ${i}`) }));
        const signatures = await custody.signAll(requests.map((r) => ({ keyId: r.key.keyId, message: r.message })));
        expect(signatures).toHaveLength(requests.length);
        requests.forEach((r, i) => expect(verifyEd25519Sodium(signatures[i] as Uint8Array, r.message, r.key.publicKey), `signature ${i}`).toBe(true));
        expect(await custody.signAll([])).toEqual([]);
      });

      it('is all or nothing: one unknown key rejects the whole call', async () => {
        const custody = await open();
        const { keyId } = await custody.generateKey('agent-all');
        const requests = [
          { keyId, message: encode('first') },
          { keyId: backend?.unknownKeyId as string, message: encode('second') },
          { keyId, message: encode('third') },
        ];
        await expectRejection(custody.signAll(requests), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
      });
    });

    describe('after a restart (close, then a new custody over the same storage)', () => {
      it('still holds the key, and its signatures verify under the public key from generateKey', async () => {
        const first = await open();
        const { keyId, publicKey } = await first.generateKey('agent-restart');
        await first.close();
        await first.close(); // idempotent
        const second = await open();
        expect(await second.hasKey(keyId)).toBe(true);
        const message = encode('after restart');
        expect(verifyEd25519Sodium(await second.sign(keyId, message), message, publicKey)).toBe(true);
      });
    });

    it('signs concurrent calls correctly', async () => {
      const custody = await open();
      const keys = [await custody.generateKey('agent-c1'), await custody.generateKey('agent-c2')];
      const jobs = Array.from({ length: 40 }, (_, i) => ({ key: keys[i % 2] as (typeof keys)[0], message: encode(`concurrent ${i}`) }));
      const signatures = await Promise.all(jobs.map((j) => custody.sign(j.key.keyId, j.message)));
      jobs.forEach((j, i) => expect(verifyEd25519Sodium(signatures[i] as Uint8Array, j.message, j.key.publicKey), `signature ${i}`).toBe(true));
    });
  });
}
