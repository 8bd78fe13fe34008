import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../../support/services.js';
import { createTestStack, type TestStack } from '../../support/test-stack.js';
import { createPgMerkleStore } from '../../../src/adapters/postgres/pg-merkle-store.js';
import { MerkleTreeAppender } from '../../../src/app/merkle/tree-appender.js';
import { readRootHash } from '../../../src/app/merkle/tree-reader.js';
import { rootFromLeafHashes } from '../../../src/domain/merkle/compact-range.js';
import { eventLeafHash } from '../../../src/domain/merkle/event-leaf.js';

const run = await shouldRunPostgres('tree appender crash recovery');
const WORKER = join(process.cwd(), 'test', 'app', 'merkle', 'tree-appender-worker.ts');
const EVENTS = 600;
const PAGE = 40;

/** Starts the worker and resolves with its output once `until` says so, having SIGKILLed it then. */
function runAndKill(url: string, until: (pages: number[]) => boolean, pauseMs: number): Promise<{ pages: number[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, String(PAGE), String(pauseMs)], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] });
    const pages: number[] = [];
    let killed = false;
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('page ')) pages.push(Number(line.slice(5)));
      if (!killed && until(pages)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve({ pages, killed }));
  });
}

/** The appender process dies by SIGKILL between (or during) pages; the next catch-up resumes and the tree is whole. */
describe.runIf(run)('the tree appender, killed mid catch-up (PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await createTestStack({ kind: 'postgresql', url: db.url });
    for (let i = 0; i < EVENTS; i += 100) {
      await Promise.all(Array.from({ length: 100 }, async (_, n) => stack.appender.append(await stack.submission({ payload: { n: i + n } }))));
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('stores whole pages only, and a later catch-up (another process) completes the same tree', async () => {
    const merkle = createPgMerkleStore(stack.client);
    // First run: killed while pausing after its third page.
    const first = await runAndKill(db.url, (pages) => pages.length >= 3, 2000);
    expect(first.killed).toBe(true);
    const afterFirst = await merkle.treeSize();
    expect(afterFirst).toBe(3 * PAGE);
    // Second run: no pause, killed as soon as it reports a page, likely while the next page's transaction is open.
    const second = await runAndKill(db.url, (pages) => pages.length >= 1, 0);
    const afterSecond = await merkle.treeSize();
    expect(afterSecond % PAGE === 0 || afterSecond === EVENTS).toBe(true);
    expect(afterSecond).toBeGreaterThanOrEqual(afterFirst + PAGE);
    expect(second.pages.every((size) => size <= afterSecond)).toBe(true);
    // Recovery in this process: the tree is caught up and is exactly the RFC 6962 tree of the events.
    expect(await new MerkleTreeAppender(merkle, PAGE).catchUp()).toBe(EVENTS);
    const events = await stack.store.readRange(1, EVENTS, EVENTS);
    expect(await readRootHash(merkle, EVENTS)).toEqual(rootFromLeafHashes(events.map(eventLeafHash)));
    const [{ n }] = (await stack.client.query<{ n: number }>('SELECT count(*)::int AS n FROM merkle_nodes')) as [{ n: number }];
    // Every perfect subtree once: a tree of n leaves has 2n − popcount(n) of them.
    expect(n).toBe(2 * EVENTS - EVENTS.toString(2).replace(/0/g, '').length);
  }, 120_000);
});
