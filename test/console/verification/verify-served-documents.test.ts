import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/app.js';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { createPgCheckpointStore } from '../../../src/adapters/postgres/pg-checkpoint-store.js';
import { createPgEventQuery } from '../../../src/adapters/postgres/pg-event-query.js';
import { createPgMerkleStore } from '../../../src/adapters/postgres/pg-merkle-store.js';
import { systemClock } from '../../../src/adapters/system-clock.js';
import { Checkpointer } from '../../../src/app/merkle/checkpointer.js';
import { MerkleProofs } from '../../../src/app/merkle/merkle-proofs.js';
import { MerkleTreeAppender } from '../../../src/app/merkle/tree-appender.js';
import { LOG_SIGNER_ID } from '../../../src/app/provision-keys.js';
import { verifyEventInBrowser } from '../../../src/console/verification/verify-event-in-browser.js';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import { nodeWebCrypto, outcomes, STEP_IDS } from './step-assertions.js';
import type { FastifyInstance } from 'fastify';

/**
 * The documents as the real observer API serves them (buildApp on a PGlite test stack: development keys, the
 * appender, the checkpointer), fetched the way the console fetches them: what the page hands verifyEventInBrowser.
 */
describe('verifyEventInBrowser on documents served by the observer API', () => {
  let stack: TestStack;
  let app: FastifyInstance;
  const json = async (url: string): Promise<unknown> => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    return res.json();
  };
  const fetchDocuments = async (sequence: number) => {
    const checkpoint = (await json('/v1/observer/checkpoints/latest?format=json')) as { tree_size: number };
    return {
      event: await json(`/v1/observer/events/sequence/${sequence}`),
      previous: sequence > 1 ? await json(`/v1/observer/events/sequence/${sequence - 1}`) : undefined,
      keys: await json('/v1/observer/keys'),
      checkpoint,
      proof: sequence <= checkpoint.tree_size ? await json(`/v1/observer/proofs/inclusion?sequence=${sequence}&tree_size=${checkpoint.tree_size}`) : undefined,
    };
  };

  beforeAll(async () => {
    stack = await createTestStack();
    await stack.keyFor(LOG_SIGNER_ID);
    const merkle = createPgMerkleStore(stack.client);
    const checkpoints = createPgCheckpointStore(stack.client);
    const checkpointer = new Checkpointer(
      { tree: new MerkleTreeAppender(merkle), merkle, checkpoints, custody: stack.custody, keys: stack.keys, verify: verifyEd25519Sodium, clock: systemClock, integrityFault: () => undefined, log: () => undefined },
      { origin: 'archon72.invalid/console', everyEvents: 1000, intervalSeconds: 60 },
    );
    for (let n = 0; n < 5; n++) await stack.appender.append(await stack.submission({ payload: { n, text: `Ave ${n} — ünïcødé` } }));
    await checkpointer.publishNow();
    await stack.appender.append(await stack.submission({ payload: { n: 5 } })); // newer than the checkpoint
    app = buildApp(
      {
        appender: stack.appender,
        hsmMode: stack.custody.mode,
        pingDatabase: async () => undefined,
        observer: { query: createPgEventQuery(stack.client), keys: { registry: stack.registry, clock: systemClock } },
        proofs: { checkpoints, proofs: new MerkleProofs({ merkle, checkpoints }) },
      },
      { logLevel: 'silent' },
    );
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  });

  it.each([1, 3, 5])('passes every step for sequence %i, marking the development keys', async (sequence) => {
    const steps = await verifyEventInBrowser(await fetchDocuments(sequence), nodeWebCrypto);
    expect(outcomes(steps)).toEqual(STEP_IDS.map((id) => [id, 'passed']));
    expect(steps.filter((s) => s.detail.includes('(a development key)')).map((s) => s.id)).toEqual(['agent-signature', 'witness-signature', 'checkpoint-signature']);
  });

  it('passes the event and checkpoint steps for an event newer than the checkpoint, and skips its inclusion', async () => {
    const steps = await verifyEventInBrowser(await fetchDocuments(6), nodeWebCrypto);
    expect(outcomes(steps)).toEqual(STEP_IDS.map((id) => [id, id === 'inclusion' ? 'skipped' : 'passed']));
  });
});
