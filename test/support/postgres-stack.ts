import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './services.js';
import { createTestStack, type TestStack } from './test-stack.js';

/** A suite's test stack on a fresh PostgreSQL database. */
export interface PostgresSuite {
  readonly db: TestDatabase;
  readonly stack: TestStack;
}

/**
 * Registers the hooks that give the calling suite a test stack on its own PostgreSQL database: created before its
 * tests, closed and dropped after them. Read `db` and `stack` inside tests and later hooks.
 */
export function usePostgresStack(): PostgresSuite {
  const suite = {} as { db: TestDatabase; stack: TestStack };
  beforeAll(async () => {
    suite.db = await createTestDatabase();
    suite.stack = await createTestStack({ kind: 'postgresql', url: suite.db.url });
  });
  afterAll(async () => {
    await suite.stack?.close();
    await suite.db?.drop();
  });
  return suite;
}
