import { afterAll } from 'vitest';
import { eventStoreContract } from '../../contracts/event-store.contract.js';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../../support/services.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

eventStoreContract('postgresql', async () => {
  if (!(await shouldRunPostgres('PgEventStore contract'))) return undefined;
  const db = await createTestDatabase();
  databases.push(db);
  return { kind: 'postgresql', url: db.url };
});
