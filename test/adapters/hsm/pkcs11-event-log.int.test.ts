import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openPkcs11KeyCustody } from '../../../src/adapters/hsm/pkcs11-key-custody.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { verifyChain } from '../../../src/app/verify-chain.js';
import { rotateAgentKey } from '../../../src/app/key-lifecycle.js';
import { EVENT_WRITER_ID } from '../../../src/app/provision-keys.js';
import { CustodyError } from '../../../src/domain/errors.js';
import { expectRejection } from '../../support/expect-rejection.js';
import { createSoftHsmToken, shouldRunSoftHsm, type SoftHsmToken } from '../../support/softhsm.js';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../../support/services.js';
import type { KeyCustody } from '../../../src/app/ports.js';

const run = shouldRunSoftHsm('the event log on SoftHSM2') && (await shouldRunPostgres('the event log on SoftHSM2'));

/**
 * The whole write path with every key in a SoftHSM2 token: generate (writer and pool), sign, verify under the
 * production policy, rotate, restart (a new custody logs in again and finds the keys by id), sign again; then the
 * HSM goes away and a write is refused at once, with nothing stored (never unsigned, never retried for ever).
 */
describe.runIf(run)('the event log signed by a PKCS#11 HSM (SoftHSM2)', () => {
  let token: SoftHsmToken;
  let custody: KeyCustody;
  let stack: TestStack;
  let db: TestDatabase;
  const open = () => openPkcs11KeyCustody({ libraryPath: token.libraryPath, tokenLabel: token.tokenLabel, pin: token.pin, sessions: 2 });
  const production = () => verifyChain({ store: stack.store, registry: stack.registry, verify: verifyEd25519Sodium, allowDevelopmentKeys: false });

  beforeAll(async () => {
    token = createSoftHsmToken();
    custody = await open();
    db = await createTestDatabase();
    stack = await createTestStack({ kind: 'postgresql', url: db.url }, { custody });
  });
  afterAll(async () => {
    await stack?.close();
    await custody?.close();
    await db?.drop();
    token?.remove();
  });

  it('generates every key in the token and signs events a production verifier accepts', async () => {
    expect(stack.writerKey.keyId).toMatch(/^hsm-[0-9a-f]{32}$/);
    for (let i = 0; i < 5; i++) await stack.appender.append(await stack.submission({ payload: { i } }));
    const report = await production();
    expect(report).toMatchObject({ verified: 5, fault: undefined });
  });

  it('rotates mid-chain, restarts, and signs again with the rotated key; the whole chain still verifies', async () => {
    const { closed, opened } = await rotateAgentKey(stack.services, EVENT_WRITER_ID);
    expect(closed.keyId).toBe(stack.writerKey.keyId);
    // Restart: close the stack and the custody, then open both again on the same token and database.
    await stack.close();
    await custody.close();
    custody = await open();
    stack = await createTestStack({ kind: 'postgresql', url: db.url }, { custody });
    expect(stack.writerKey.keyId).toBe(opened.keyId); // found again by id, not regenerated
    expect(await custody.hasKey(closed.keyId)).toBe(true); // keys are never deleted, in the HSM either
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await stack.appender.append(await stack.submission({ payload: { i } })));
    expect(after.every((e) => e.signingKeyId === opened.keyId)).toBe(true);
    expect(await production()).toMatchObject({ verified: 8, fault: undefined });
  });

  it('refuses a write at once when the HSM goes away, storing nothing', async () => {
    const head = await stack.store.head();
    const submission = await stack.submission({ payload: { lost: true } }); // the agent signed before the loss
    const [uuid] = readdirSync(token.dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const moved = `${token.dir}-gone`;
    renameSync(join(token.dir, uuid as string), moved);
    try {
      const started = Date.now();
      const err = await expectRejection(stack.appender.append(submission), CustodyError, 'CUSTODY_HSM_UNAVAILABLE');
      expect(err.message).toContain(token.tokenLabel);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await stack.store.head()).toEqual(head);
    } finally {
      renameSync(moved, join(token.dir, uuid as string));
      rmSync(moved, { recursive: true, force: true });
    }
  });
});
