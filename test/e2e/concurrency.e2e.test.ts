import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { createTestStack } from '../support/test-stack.js';
import { psqlRows } from '../support/psql.js';
import { runCli, startProcess } from '../support/run-cli.js';

const run = await shouldRunPostgres('multi-process concurrency');
const WORKER = join(process.cwd(), 'test', 'support', 'append-worker.ts');

/**
 * Several real processes append to one PostgreSQL database at once, with invalid events interleaved and one
 * writer killed with SIGKILL mid-run. Afterwards the chain must be exactly 1..N, contain every acknowledged event,
 * and pass `archon72 verify-db`.
 */
describe.runIf(run)('concurrent appends from several processes', () => {
  let db: TestDatabase;
  let dataDir: string;
  const children: ReturnType<typeof startProcess>[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'archon72-concurrency-'));
    // Migrate and provision the shared development keys once, so the writers only append.
    const stack = await createTestStack({ kind: 'postgresql', url: db.url }, { dataDir });
    await stack.close();
  });
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL'); // never leave a writer behind if an assertion failed
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves a gapless chain holding every acknowledged event, which verify-db accepts', async () => {
    const env = { DATABASE_URL: db.url, ARCHON72_DATA_DIR: dataDir };
    const writers = [startProcess(process.execPath, ['--import', 'tsx', WORKER, '3000', '64', 'a'], env), startProcess(process.execPath, ['--import', 'tsx', WORKER, '3000', '64', 'b'], env)];
    const victim = startProcess(process.execPath, ['--import', 'tsx', WORKER, '100000', '32', 'victim'], env);
    children.push(...writers, victim);
    // Let the victim commit some events, then kill it without warning (node itself, not a wrapper process).
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if ((victim.out.stdout.match(/^ack /gm) ?? []).length >= 300) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    const results = await Promise.all(writers.map((w) => w.exited));
    for (const [i, r] of results.entries()) expect(r.code, writers[i]?.out.stderr).toBe(0);

    const summaries = writers.map((w) => JSON.parse(w.out.stdout.trim().split('\n').at(-1) ?? '{}') as { outcomes: Record<string, number> });
    for (const s of summaries) {
      expect(s.outcomes.ok).toBeGreaterThan(2000);
      expect(s.outcomes.SIG_INVALID).toBeGreaterThan(300); // the forged ones
      expect(s.outcomes.STORE_CONFLICT ?? 0).toBeGreaterThan(0); // duplicates refused by the database
      expect(s.outcomes.UNEXPECTED ?? 0).toBe(0);
    }

    const acked = [...writers, victim].flatMap((w) => [...w.out.stdout.matchAll(/^ack (\d+) (\S+)$/gm)].map((m) => ({ sequence: Number(m[1]), eventId: m[2] })));
    const [[count, min, max]] = psqlRows(db.url, 'SELECT COUNT(*), MIN(sequence), MAX(sequence) FROM events') as [[string, string, string]];
    expect(Number(min)).toBe(1);
    expect(Number(max)).toBe(Number(count));
    expect(Number(count)).toBeGreaterThanOrEqual(acked.length);
    // Every acknowledged event is stored at the sequence it was acknowledged with.
    const stored = new Map(psqlRows(db.url, 'SELECT sequence, event_id FROM events').map(([s, id]) => [Number(s), id]));
    for (const a of acked) expect(stored.get(a.sequence)).toBe(a.eventId);

    const verify = runCli(['verify-db'], { DATABASE_URL: db.url, DEV_MODE: 'true', ENVIRONMENT: 'development' });
    expect(verify.stdout).toMatch(new RegExp(`OK: ${count} events verified`));
    expect(verify.status).toBe(0);
  });
});
