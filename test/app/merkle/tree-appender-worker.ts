/**
 * A tree-appender process for the crash-recovery test: catches merkle_nodes up with the events of the PostgreSQL
 * database at DATABASE_URL, `pageSize` events per transaction, printing `page <tree size>` after each committed page
 * and pausing `pauseMs` between pages, so the test can SIGKILL it mid-way.
 * Run with: node --import tsx test/app/merkle/tree-appender-worker.ts <pageSize> <pauseMs>
 */
import { createPgClient } from '../../../src/adapters/postgres/pg-client.js';
import { createPgMerkleStore } from '../../../src/adapters/postgres/pg-merkle-store.js';
import { MerkleTreeAppender } from '../../../src/app/merkle/tree-appender.js';
import type { MerkleStore } from '../../../src/app/ports.js';

const [pageSize, pauseMs] = [Number(process.argv[2] ?? 50), Number(process.argv[3] ?? 20)];
const client = createPgClient({ connectionString: process.env.DATABASE_URL ?? '', applicationName: 'archon72 tree-appender-worker' });
const inner = createPgMerkleStore(client);
const store: MerkleStore = {
  ...inner,
  async appendNodes(fromSize, nodes) {
    const stored = await inner.appendNodes(fromSize, nodes);
    process.stdout.write(`page ${fromSize + nodes.filter((n) => n.level === 0).length}\n`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    return stored;
  },
};
const size = await new MerkleTreeAppender(store, pageSize).catchUp();
process.stdout.write(`done ${size}\n`);
await client.close();
