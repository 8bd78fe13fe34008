import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery, createTestDatabase, PG_ADMIN_URL, REQUIRE_SERVICES, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { freePort } from '../support/redis-process.js';
import { runCli } from '../support/run-cli.js';
import { eventWriterSigner, postSubmission, startServe, waitForOutput, type EventWriterSigner, type ServeProcess } from '../support/serve-process.js';
import { registerKeeperQuorumByCli } from '../support/keepers.js';
import { psql, psqlRows } from '../support/psql.js';
import { runbookCommands, runOperatorCommand, type OperatorStack } from '../support/runbook.js';

/** undefined when pg_dump and pg_restore are installed, otherwise why not. */
function pgToolsUnavailableReason(): string | undefined {
  for (const tool of ['pg_dump', 'pg_restore']) {
    const run = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (run.error || run.status !== 0) return `${tool} is not installed (apt-get install postgresql-client)`;
  }
  return undefined;
}

const toolsReason = pgToolsUnavailableReason();
if (toolsReason !== undefined && REQUIRE_SERVICES) throw new Error(`backup and restore: ARCHON72_REQUIRE_SERVICES=1 but ${toolsReason}`);
if (toolsReason !== undefined) console.warn(`skipping backup and restore: ${toolsReason}`);
const run = toolsReason === undefined && (await shouldRunPostgres('backup and restore'));

const ADMIN_TOKEN = 'backup-restore-admin-token-0123456789';
/** Events appended through the server before the first halt, and between the first clear and the second halt. */
const BATCHES = [240, 120];

/** Runbook §10.3 "Database recovery", in order: dump, create, restore, roles, verify-db --full, head. */
const recovery = () => runbookCommands().filter((command) => command.section === '10.3' && command.lang === 'bash');

/**
 * Runbook §10.3, as written: a real log on PostgreSQL (migrations, keepers, a few hundred events through the
 * served API, two halts cleared by keeper ceremonies, checkpoints) is dumped with `pg_dump -Fc`, restored into a
 * fresh database, and `archon72 verify-db --full` passes on the copy with the source's head. A restore is checked,
 * not trusted: a row a superuser changes in the copy (with the triggers off, as the restoring owner could) fails
 * `verify-db --full` at that sequence, and a changed Merkle node fails its checkpoint check.
 */
describe.runIf(run)('backup and restore (runbook §10.3)', () => {
  let dir: string;
  let source: TestDatabase;
  const restoredNames: string[] = [];
  let env: Record<string, string>;
  let head: { sequence: number; contentHash: string };

  /** The operator's stack: `archon72` is the source database, `archon72_restored` the copy named `restored`. */
  const operator = (restored: string): OperatorStack => {
    const admin = new URL(PG_ADMIN_URL);
    return {
      cwd: dir,
      env: { DB_HOST: admin.hostname, PGPORT: admin.port || '5432', DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(dir, 'data') },
      databases: { archon72: source.name, archon72_restored: restored },
      pgHostPort: `${admin.hostname}:${admin.port || '5432'}`,
    };
  };
  const urlOf = (name: string, user = 'postgres') => {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    url.username = user;
    return url.toString();
  };
  /** Runs §10.3's commands against a new copy; returns its name and each command's result. */
  const restoreCopy = (label: string) => {
    const restored = `${source.name}_${label}`;
    restoredNames.push(restored);
    rmSync(join(dir, 'archon72.dump'), { force: true });
    const results = recovery().map((command) => ({ command, result: runOperatorCommand(command.text, operator(restored)) }));
    return { restored, results };
  };
  const verifyFull = (name: string) => runCli(['verify-db', '--full'], { DATABASE_URL: urlOf(name), DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(dir, 'data') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-backup-'));
    symlinkSync(join(process.cwd(), 'migrations'), join(dir, 'migrations'));
    mkdirSync(join(dir, 'data'));
    source = await createTestDatabase('a72_backup');
    env = {
      DATABASE_URL: source.url,
      DEV_MODE: 'true',
      ENVIRONMENT: 'development',
      ARCHON72_DATA_DIR: join(dir, 'data'),
      ADMIN_TOKEN,
      CHECKPOINT_EVERY_EVENTS: '100',
      CHECKPOINT_INTERVAL_SECONDS: '1',
    };
    expect(runCli(['migrate'], env).status).toBe(0);
    registerKeeperQuorumByCli(env, dir);
    const port = await freePort();
    const server = await startServe(env, port);
    try {
      const signer = eventWriterSigner(join(dir, 'data'));
      for (const [round, count] of BATCHES.entries()) {
        await appendThroughServer(server.url, signer, count, round);
        await haltAndClear(server, env, dir, `drill ${round + 1}`);
      }
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
    const [row] = psqlRows(source.url, 'SELECT sequence, content_hash FROM events ORDER BY sequence DESC LIMIT 1');
    head = { sequence: Number(row![0]), contentHash: row![1]! };
  }, 600_000);
  afterAll(async () => {
    for (const name of restoredNames) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await source?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('built a log worth restoring: hundreds of events, two cleared halts, checkpoints up to the head', () => {
    expect(head.sequence).toBeGreaterThan(BATCHES[0]! + BATCHES[1]!);
    expect(psqlRows(source.url, `SELECT event_type, count(*) FROM events WHERE event_type LIKE 'halt.%' GROUP BY 1 ORDER BY 1`)).toEqual([
      ['halt.cleared', '2'],
      ['halt.triggered', '2'],
    ]);
    const [checkpoints, largest] = psqlRows(source.url, 'SELECT count(*), max(tree_size) FROM checkpoints')[0]!;
    expect(Number(checkpoints)).toBeGreaterThanOrEqual(4);
    expect(Number(largest)).toBe(head.sequence);
  });

  it('§10.3: dump, restore into a fresh database, roles, and verify-db --full passes with the source head and count', () => {
    const commands = recovery();
    expect(commands.map((c) => c.text.split(' ').slice(0, 2).join(' '))).toEqual([
      'pg_dump -Fc',
      'psql -h',
      'pg_restore --no-owner',
      'psql -h',
      'DATABASE_URL=postgresql://postgres@db-host:5432/archon72_restored npx',
      'psql -h',
    ]);
    const { results } = restoreCopy('restored');
    for (const { command, result } of results) expect(result.status, `runbook line ${command.line}: ${result.ran}\n${result.stdout}${result.stderr}`).toBe(0);
    const verify = results[4]!.result;
    const sourceVerify = verifyFull(source.name);
    expect(sourceVerify.status).toBe(0);
    expect(verify.stdout.split('\n')[0]).toBe(`OK: ${head.sequence} events verified (sequence 1..${head.sequence})`);
    expect(verify.stdout.split('\n')[0]).toBe(sourceVerify.stdout.split('\n')[0]);
    expect(verify.stdout).toMatch(new RegExp(`^OK: checkpoint_anchors: checkpoint of tree size ${head.sequence} \\(.*\\) signed by dev-[0-9a-f]{16}; root recomputed from ${head.sequence} events in \\d+ ms; every event is anchored$`, 'm'));
    // Step 4: the copy's head is the source's, hash for hash.
    expect(results[5]!.result.stdout).toMatch(new RegExp(`^\\s*${head.sequence} \\| ${head.contentHash}$`, 'm'));
  });

  it('§10.3: the copy serves as the service role; startup verifies the whole chain again (it ends with a cleared halt)', async () => {
    const restored = restoredNames[0]!;
    const server = await startServe({ ...env, DATABASE_URL: urlOf(restored, 'archon72_app') }, await freePort());
    try {
      await waitForOutput(server.process, /Pre-operational verification completed successfully/);
      expect(server.process.out.stdout).toContain(`pre_operational: hash_chain_integrity passed: ${head.sequence} event(s) verified: the whole chain (post-halt)`);
      expect(await (await fetch(`${server.url}/v1/ready`)).json()).toMatchObject({ status: 'ready', database: 'connected', verification: 'passed' });
      // And it takes writes again, continuing the restored chain.
      const appended = await postSubmission(server.url, await eventWriterSigner(join(dir, 'data')).submission('backup.restored', { ok: true }));
      expect(appended).toMatchObject({ kind: 'answered', status: 201, sequence: head.sequence + 1 });
    } finally {
      await server.stop();
    }
  });

  it('a row a superuser changed in the copy, triggers off, fails the runbook\'s verify-db --full at its sequence and halts the copy', () => {
    const restored = restoredNames[0]!;
    const tampered = 137;
    psql(urlOf(restored), ['-c', `BEGIN; SET LOCAL session_replication_role = replica; UPDATE events SET payload = '{"amount": 1000000}' WHERE sequence = ${tampered}; COMMIT;`]);
    const verify = recovery().find((command) => command.text.includes('verify-db --full'))!;
    const result = runOperatorCommand(verify.text, operator(restored));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAULT at sequence ${tampered}: CHAIN_CONTENT_HASH_MISMATCH: `, 'm'));
    expect(result.stdout).toContain(`first bad sequence: ${tampered}\n`);
    expect(result.stdout).toMatch(/^system halted \(CT-13\): verify-db: FAULT at sequence 137/m);
    expect(psqlRows(urlOf(restored), 'SELECT is_halted, halted_by FROM halt_state')).toEqual([['t', 'archon72 verify-db']]);
  });

  it('a Merkle node changed in another copy, even one off the root path, passes the chain but fails --full at the checkpoint, which plain verify-db does not check', () => {
    const { restored, results } = restoreCopy('merkle');
    for (const { result } of results) expect(result.status, result.stderr).toBe(0);
    // Level 1, index 3 (leaves 7 and 8): inside the largest perfect subtree, so not one of the nodes the root is
    // folded from; only proofs through it would show the change to an outsider.
    psql(urlOf(restored), ['-c', `BEGIN; SET LOCAL session_replication_role = replica; UPDATE merkle_nodes SET hash = sha256('tampered'::bytea) WHERE level = 1 AND index = 3; COMMIT;`]);
    const plain = runCli(['verify-db'], { DATABASE_URL: urlOf(restored), DEV_MODE: 'true', ENVIRONMENT: 'development', ARCHON72_DATA_DIR: join(dir, 'data') });
    expect(plain.status).toBe(0);
    const full = verifyFull(restored);
    expect(full.status).toBe(1);
    expect(full.stdout).toContain(`FAULT: checkpoint_anchors: checkpoint of tree size ${head.sequence}: merkle_nodes holds another node at level 1, index 3 than the events give\n`);
  });
});

/** POSTs `count` signed events to the server, eight at a time, each answered 201. */
async function appendThroughServer(url: string, signer: EventWriterSigner, count: number, round: number): Promise<void> {
  for (let i = 0; i < count; i += 8) {
    const batch = Array.from({ length: Math.min(8, count - i) }, async (_, j) => postSubmission(url, await signer.submission('backup.drill', { round, n: i + j, amount: 100 })));
    for (const outcome of await Promise.all(batch)) expect(outcome).toMatchObject({ kind: 'answered', status: 201 });
  }
}

/** Halts through POST /v1/admin/halt, clears by the two keepers' ceremony (runbook §10.4), waits until writes resume. */
async function haltAndClear(server: ServeProcess, env: Record<string, string>, dir: string, reason: string): Promise<void> {
  const halted = await fetch(`${server.url}/v1/admin/halt`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  expect(halted.status).toBe(200);
  const cli = { ...env, API_PORT: String(server.port) };
  const files = join(dir, reason.replace(/\W+/g, '-'));
  mkdirSync(files);
  const passphrase = ['--passphrase-file', join(dir, 'keeper-passphrase')];
  for (const args of [
    ['halt', 'ceremony', 'create', '--reason', `${reason} done`, '--out', join(files, 'clear.json')],
    ['halt', 'ceremony', 'sign', join(files, 'clear.json'), '--key', join(dir, 'alice.key'), '--out', join(files, 'alice.json'), ...passphrase],
    ['halt', 'ceremony', 'sign', join(files, 'clear.json'), '--key', join(dir, 'bob.key'), '--out', join(files, 'bob.json'), ...passphrase],
    ['halt', 'ceremony', 'submit', '--statement', join(files, 'clear.json'), '--signature', join(files, 'alice.json'), join(files, 'bob.json')],
  ]) {
    const result = runCli(args, cli);
    expect(result.status, `archon72 ${args.slice(0, 3).join(' ')}: ${result.stderr}`).toBe(0);
  }
  const deadline = Date.now() + 30_000;
  while (((await (await fetch(`${server.url}/v1/halt`)).json()) as { instance: string }).instance !== 'operational') {
    if (Date.now() > deadline) throw new Error('the server did not resume writing within 30 s of the clear');
    await new Promise((r) => setTimeout(r, 100));
  }
}
