import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createPgEventQuery } from '../../src/adapters/postgres/pg-event-query.js';
import { systemClock } from '../../src/adapters/system-clock.js';
import { ensureAgentKey, EVENT_WRITER_ID, LOG_SIGNER_ID } from '../../src/app/provision-keys.js';
import { buildPublicKeySet, parsePublicKeySet, PUBLIC_KEY_SET_FORMAT, type PublicKeySet } from '../../src/domain/signing/public-key-set.js';
import { toHex } from '../../src/domain/encoding/bytes.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import { registerKeeperByHand } from '../support/keepers.js';
import type { FastifyInstance } from 'fastify';

/** GET /v1/observer/keys: the public key set an offline verifier needs (PROTOCOL.md §9.3). */
describe('GET /v1/observer/keys', () => {
  let stack: TestStack;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await createTestStack();
    await ensureAgentKey(LOG_SIGNER_ID, stack, systemClock.now());
    const keeper = await stack.custody.generateKey('KEEPER:alice');
    await registerKeeperByHand(stack, { keeperId: 'KEEPER:alice', keyId: 'keeper-alice-1', publicKey: keeper.publicKey });
    app = buildApp(
      { appender: stack.appender, hsmMode: stack.custody.mode, pingDatabase: async () => undefined, observer: { query: createPgEventQuery(stack.client), keys: { registry: stack.registry, clock: systemClock } } },
      { logLevel: 'silent' },
    );
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it('answers the document `keys export-public` writes: agents, SYSTEM:EVENT_WRITER, SYSTEM:LOG, witnesses and keepers', async () => {
    const res = await app.inject({ url: '/v1/observer/keys' });
    expect(res.statusCode).toBe(200);
    const set = res.json<PublicKeySet>();
    expect(set.format).toBe(PUBLIC_KEY_SET_FORMAT);
    const [agentKeys, keeperKeys, revocations] = await Promise.all([stack.registry.listKeys(), stack.registry.listKeeperKeys(), stack.registry.listRevocations()]);
    expect(set).toEqual(buildPublicKeySet([...agentKeys, ...keeperKeys], revocations, set.generated_at));
    const kinds = new Map(set.keys.map((k) => [k.actor_id, k.kind]));
    expect(kinds.get(EVENT_WRITER_ID)).toBe('system');
    expect(kinds.get(LOG_SIGNER_ID)).toBe('system');
    expect(kinds.get('KEEPER:alice')).toBe('keeper');
    expect(set.keys.filter((k) => k.kind === 'witness')).toHaveLength(12);
    expect(set.keys.find((k) => k.actor_id === LOG_SIGNER_ID)?.public_key).toBe(toHex((await stack.keys.current()).keysOf(LOG_SIGNER_ID)[0]?.publicKey ?? new Uint8Array()));
    // What an offline verifier does with it.
    expect(parsePublicKeySet(set)).toHaveLength(set.keys.length);
  });

  it('shows a revocation and the closed window', async () => {
    const { revokeKey } = await import('../../src/app/key-lifecycle.js');
    const agent = `agent-revoked`;
    const key = await stack.keyFor(agent);
    await revokeKey(stack.services, key.keyId, { reason: 'lost laptop', replace: false });
    const set = (await app.inject({ url: '/v1/observer/keys' })).json<PublicKeySet>();
    const entry = set.keys.find((k) => k.key_id === key.keyId);
    expect(entry?.active_until).not.toBeNull();
    expect(entry?.revocation).toMatchObject({ reason: 'lost laptop' });
  });
});
