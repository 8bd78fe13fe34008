import { afterAll } from 'vitest';
import { haltProtectionContract } from '../../contracts/halt-protection.contract.js';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../../support/services.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});

haltProtectionContract('postgresql', async () => {
  if (!(await shouldRunPostgres('halt protection'))) return undefined;
  const db = await createTestDatabase();
  databases.push(db);
  return { kind: 'postgresql', url: db.url };
});
