import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftwareKeyCustody } from '../../../src/adapters/hsm/software-key-custody.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { CustodyError } from '../../../src/domain/errors.js';
import { expectRejection } from '../../support/expect-rejection.js';

describe('SoftwareKeyCustody (development HSM)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-custody-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const message = new TextEncoder().encode('archon72 test message');

  it('generates a dev- key whose signatures verify, and finds it again after a restart', async () => {
    const { keyId, publicKey } = await createSoftwareKeyCustody(dir).generateKey('SYSTEM:EVENT_WRITER');
    expect(keyId).toMatch(/^dev-[0-9a-f]{16}$/);
    const restarted = createSoftwareKeyCustody(dir);
    expect(await restarted.hasKey(keyId)).toBe(true);
    expect(verifyEd25519Sodium(await restarted.sign(keyId, message), message, publicKey)).toBe(true);
    expect(restarted.mode).toBe('DEVELOPMENT');
  });

  it('reports a key it does not hold as CUSTODY_KEY_NOT_FOUND', async () => {
    const custody = createSoftwareKeyCustody(dir);
    expect(await custody.hasKey('dev-0123456789abcdef')).toBe(false);
    await expectRejection(custody.sign('dev-0123456789abcdef', message), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
    await expectRejection(custody.sign('hsm-key-7', message), CustodyError, 'CUSTODY_KEY_NOT_FOUND');
  });

  describe('when a key file is bad', () => {
    let keyId: string;
    let path: string;
    beforeEach(async () => {
      ({ keyId } = await createSoftwareKeyCustody(dir).generateKey('agent-x'));
      path = join(dir, 'keys', `${keyId}.json`);
    });

    it('refuses a file other users can read', async () => {
      chmodSync(path, 0o644);
      const err = await expectRejection(createSoftwareKeyCustody(dir).sign(keyId, message), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
      expect(err.message).toMatch(/chmod 600/);
    });

    it('refuses a file that is not JSON', async () => {
      writeFileSync(path, 'garbage', { mode: 0o600 });
      await expectRejection(createSoftwareKeyCustody(dir).sign(keyId, message), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
    });

    it('refuses a seed of the wrong length', async () => {
      const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
      writeFileSync(path, JSON.stringify({ ...file, seed: Buffer.alloc(16).toString('base64') }), { mode: 0o600 });
      await expectRejection(createSoftwareKeyCustody(dir).sign(keyId, message), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
    });

    it('refuses a seed that does not produce the recorded public key', async () => {
      const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
      writeFileSync(path, JSON.stringify({ ...file, seed: Buffer.alloc(32, 9).toString('base64') }), { mode: 0o600 });
      await expectRejection(createSoftwareKeyCustody(dir).sign(keyId, message), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
    });

    it('refuses a file filed under another key id', async () => {
      const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
      writeFileSync(path, JSON.stringify({ ...file, key_id: 'dev-ffffffffffffffff' }), { mode: 0o600 });
      await expectRejection(createSoftwareKeyCustody(dir).sign(keyId, message), CustodyError, 'CUSTODY_KEY_FILE_INVALID');
    });
  });

  it('keeps the keys directory private and leaves no temporary files', async () => {
    const custody = createSoftwareKeyCustody(dir);
    await custody.generateKey('a');
    await custody.generateKey('b');
    expect(readdirSync(join(dir, 'keys')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
