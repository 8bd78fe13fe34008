import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createPgClient } from '../../src/adapters/postgres/pg-client.js';
import { createPgEventStore } from '../../src/adapters/postgres/pg-event-store.js';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { EventAppender } from '../../src/app/event-appender.js';
import { StoreError } from '../../src/domain/errors.js';
import { createTestStack, type TestStack } from '../support/test-stack.js';
import type { SqlClient } from '../../src/adapters/postgres/sql-client.js';

describe('EventAppender', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack();
  });
  afterAll(async () => stack.close());

  describe('when the store cannot be reached', () => {
    let dead: SqlClient;
    beforeAll(() => {
      dead = createPgClient({ connectionString: 'postgresql://postgres@127.0.0.1:1/nothing' });
    });
    afterAll(async () => dead.close());

    it('fails every waiting append with STORE_UNAVAILABLE instead of queueing it for later', async () => {
      const appender = new EventAppender({ store: createPgEventStore(dead), keys: stack.keys, custody: stack.custody, verify: verifyEd25519Sodium });
      const submissions = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.submission({ payload: { i } })));
      const results = await Promise.allSettled(submissions.map((s) => appender.append(s)));
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
        expect(((r as PromiseRejectedResult).reason as StoreError).code).toBe('STORE_UNAVAILABLE');
      }
      await appender.flush(); // nothing left in flight or queued
    });
  });

  describe('once every append has resolved', () => {
    it('has no transaction left open, not even an empty one', async () => {
      for (let i = 0; i < 5; i++) {
        await stack.appender.append(await stack.submission());
        await new Promise((resolve) => setImmediate(resolve)); // let the finished transaction's bookkeeping run
        expect(stack.appender.openTransactions).toBe(0);
      }
      expect((await stack.store.head())?.sequence).toBe(5);
    });
  });
});
