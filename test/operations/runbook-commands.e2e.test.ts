import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery, createTestDatabase, PG_ADMIN_URL, shouldRunPostgres, type TestDatabase } from '../support/services.js';
import { freePort, shouldRunOwnRedis, startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { eventWriterSigner, postSubmission, startServe, waitForOutput, type ServeProcess } from '../support/serve-process.js';
import { findSoftHsmLibrary, shouldRunSoftHsm } from '../support/softhsm.js';
import { psqlRows } from '../support/psql.js';
import {
  OUR_RUNBOOK,
  PLACEHOLDER_PUBLIC_KEY,
  runbookCommands,
  runOperatorCommand,
  runOperatorSql,
  statedPattern,
  type CommandResult,
  type OperatorStack,
  type RunbookCommand,
} from '../support/runbook.js';
import { classifyRunbookCommand, splitCommand, synopsisCommands } from './runbook-command-classes.js';
import { checkCurlOutput, curlPath } from './runbook-curl-checks.js';

const run = (await shouldRunPostgres('runbook commands')) && shouldRunOwnRedis('runbook commands');

const ADMIN_TOKEN = 'runbook-admin-token-0123456789abcdef';
const PASSPHRASE = 'a keeper passphrase long enough';

/**
 * Issue 9 part 3: every command of docs/operations/deployment-runbook.md that can run without Docker or a cloud
 * account runs here, as written, against a real stack, and prints what the runbook says it prints. The stack is
 * built by the runbook itself: §3.1 creates the database, §4.1 migrates it with psql, §3.1 adds the service role,
 * §4.4 provisions the witnesses and keys, §4.5 registers three keepers, and §12.1's `archon72 serve --migrate` serves
 * it as `archon72_app` with its own Redis and an ADMIN_TOKEN. Placeholders are replaced in one place
 * (toStackCommand in test/support/runbook.ts). Halts run last, each cleared by §10.4's keeper ceremony. The last test
 * fails when a runnable command ran nowhere (runbook-classification.test.ts fails when one is not classified).
 */
describe.runIf(run)('every runnable runbook command, against a started stack', () => {
  const all = runbookCommands();
  const ran = new Set<RunbookCommand>();
  let dir: string;
  let redis: RedisProcess;
  let server: ServeProcess;
  let fresh: TestDatabase;
  let stack: OperatorStack;
  let ownerUrl: string;
  let head = 0;
  const mainName = `a72_runbook_${randomBytes(6).toString('hex')}`;

  /** The runbook's commands of `section` whose text matches `pattern` (at least one), marked as run. */
  const take = (section: string, pattern: RegExp): RunbookCommand[] => {
    const found = all.filter((command) => command.section === section && pattern.test(command.text));
    expect(found.length, `runbook §${section} has no command matching ${pattern}`).toBeGreaterThan(0);
    for (const command of found) ran.add(command);
    return found;
  };
  const only = (section: string, pattern: RegExp): RunbookCommand => {
    const found = take(section, pattern);
    expect(found, `runbook §${section}: one command matching ${pattern}`).toHaveLength(1);
    return found[0]!;
  };
  const where = (command: RunbookCommand, result: CommandResult) => `runbook §${command.section} line ${command.line}: ${result.ran}\n${result.stdout}${result.stderr}`;
  /** Runs a bash command of the runbook; expects exit 0 unless told otherwise. */
  const sh = (command: RunbookCommand, options: { status?: number; on?: OperatorStack; env?: Record<string, string> } = {}): CommandResult => {
    const result = runOperatorCommand(command.text, options.on ?? stack, options.env);
    expect(result.status, where(command, result)).toBe(options.status ?? 0);
    return result;
  };
  /** Runs an SQL statement of the runbook with psql; rows as psql -At prints them. */
  const sql = (command: RunbookCommand, url = ownerUrl): string[][] => {
    const result = runOperatorSql(command.text, stack, url);
    expect(result.status, where(command, result)).toBe(0);
    return result.stdout.split('\n').filter((line) => line !== '').map((line) => line.split('|'));
  };
  const expectStated = (command: RunbookCommand, output: string, line = 0) => expect(output, `runbook §${command.section} line ${command.line} states: ${command.stated[line]}`).toMatch(statedPattern(command.stated[line]!));
  const currentHead = () => Number(psqlRows(ownerUrl, 'SELECT coalesce(max(sequence), 0) FROM events')[0]![0]);
  const haltView = async () => (await (await fetch(`${server.url}/v1/halt`)).json()) as { halted: boolean; instance: string; reason: string | null; halted_by: string | null };
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** A signed event POSTed to the server the way an agent does. */
  const postEvent = async (payload: Record<string, number | string>) => postSubmission(server.url, await eventWriterSigner(join(dir, 'data')).submission('runbook.test', payload));

  /** §10.4's ceremony commands, run in a directory of their own (they refuse to overwrite files), then writes resume. */
  const clearByCeremony = async (label: string): Promise<void> => {
    const cwd = join(dir, label);
    mkdirSync(cwd);
    for (const key of ['alice.key', 'bob.key']) symlinkSync(join(dir, key), join(cwd, key));
    const ceremony = take('10.4', /^npx archon72 halt ceremony /);
    expect(ceremony.map((c) => splitCommand(c.text).words[4])).toEqual(['create', 'sign', 'sign', 'submit']);
    for (const command of ceremony) {
      const result = sh(command, { on: { ...stack, cwd } });
      if (command.stated.length > 0 && command.text.includes(' submit ')) expectStated(command, result.stdout);
    }
    await until(async () => (await haltView()).instance === 'operational', 'the server writes again after the clear');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'archon72-runbook-'));
    symlinkSync(join(process.cwd(), 'migrations'), join(dir, 'migrations'));
    redis = await startRedisProcess();
    fresh = await createTestDatabase('a72_runbook_fresh');
    const admin = new URL(PG_ADMIN_URL);
    const owner = new URL(PG_ADMIN_URL);
    owner.pathname = `/${mainName}`;
    ownerUrl = owner.toString();
    const port = await freePort();
    stack = {
      cwd: dir,
      env: {
        DATABASE_URL: ownerUrl,
        DB_HOST: admin.hostname,
        PGPORT: admin.port || '5432',
        ADMIN_TOKEN,
        API_PORT: String(port),
        DEV_MODE: 'true',
        ENVIRONMENT: 'development',
        ARCHON72_DATA_DIR: join(dir, 'data'),
        ARCHON72_KEEPER_PASSPHRASE: PASSPHRASE,
      },
      databases: { archon72: mainName },
      pgHostPort: `${admin.hostname}:${admin.port || '5432'}`,
      apiUrl: `http://127.0.0.1:${port}`,
      redisPort: redis.port,
    };
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.kill();
    await fresh?.drop();
    await adminQuery(`DROP DATABASE IF EXISTS ${mainName} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('§3.1 creates the database, §4.1 migrates it with psql, §3.1 adds the least-privilege service role', () => {
    sh(only('3.1', /CREATE DATABASE/));
    for (const command of take('4.1', /^psql \$DATABASE_URL /)) sh(command);
    sh(only('3.1', /roles\.sql/));
    sh(only('3.1', /ALTER ROLE archon72_app PASSWORD/));
    // §3.1: SELECT and INSERT on events, never UPDATE, DELETE or TRUNCATE.
    expect(psqlRows(ownerUrl, `SELECT ${['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'].map((p) => `has_table_privilege('archon72_app', 'events', '${p}')`).join(', ')}`)).toEqual([['t', 't', 'f', 'f', 'f']]);
  });

  it('§4.1 `archon72 migrate` applies every migration once on an empty database, and adopts those psql applied', () => {
    const migrate = only('4.1', /npx archon72 migrate$/);
    const onFresh = { ...stack, databases: { archon72: fresh.name } };
    const first = sh(migrate, { on: onFresh });
    expect(first.stdout).toMatch(/^applied 001_create_events_table\.sql$/m);
    const stated = /… (\d+) migration\(s\) applied; a second run prints: (.*)$/.exec(migrate.stated[0]!)!;
    expect(first.stdout).toMatch(new RegExp(`^${stated[1]} migration\\(s\\) applied$`, 'm'));
    expect(sh(migrate, { on: onFresh }).stdout).toBe(`${stated[2]}\n`);
    expect(sh(migrate).stdout).toBe(`${stated[2]}\n`);
  });

  it('§4.2 names every table and trigger the migrations create', () => {
    const [tables, triggers] = take('4.2', /^SELECT/);
    const tableNames = sql(tables!).map((row) => row[0]!);
    const statedTables = tables!.stated.join(' ');
    for (const name of tableNames) expect(statedTables, `§4.2 names table ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
    for (const [name] of statedTables.matchAll(/\b[a-z]+_[a-z_]+\b/g)) expect(tableNames, `§4.2 names ${name}, which is not a table`).toContain(name);
    const triggerNames = new Set(sql(triggers!).map((row) => row[0]!));
    const statedTriggers = triggers!.stated.join(' ');
    for (const name of triggerNames) expect(statedTriggers, `§4.2 names trigger ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
    const truncate = psqlRows(ownerUrl, `SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgtype & 32 <> 0`).map((row) => row[0]!);
    for (const [name] of statedTriggers.matchAll(/\b[a-z]+_[a-z_]+\b/g)) {
      if (name === 'information_schema') continue;
      expect([...triggerNames, ...truncate], `§4.2 names ${name}, which is not a trigger`).toContain(name);
    }
  });

  it('§4.3 halt_state holds exactly its one row, not halted, no reason', () => {
    const rows = sql(only('4.3', /FROM halt_state/));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.slice(0, 3)).toEqual(['00000000-0000-0000-0000-000000000001', 'f', '']);
  });

  it('§4.4 provisions the witness pool, the Conclave and log keys, and lists every key', () => {
    const bootstrap = sh(only('4.4', /witness bootstrap$/));
    // Development keys name the pool dev-01 … dev-12; the runbook shows production's pool-01 … pool-12.
    expect(bootstrap.stdout).toBe('witness pool: 12 witnesses (WITNESS:dev-01 … WITNESS:dev-12)\n');
    expect(only('4.4', /witness bootstrap$/).stated[0]).toBe('witness pool: 12 witnesses (WITNESS:pool-01 … WITNESS:pool-12)');
    expect(sh(only('4.4', /witness list$/)).stdout).toMatch(/^12 active witnesses; floor 6 \(writes\), 12 \(high-stakes events\): OK$/m);
    expect(sh(only('4.4', /--agent SYSTEM:CONCLAVE$/)).stdout).toMatch(/^registered SYSTEM:CONCLAVE dev-[0-9a-f]{16} public_key=[0-9a-f]{64} active_from=\S+Z$/m);
    const log = JSON.parse(sh(only('4.4', /--agent SYSTEM:LOG --json$/)).stdout) as Record<string, unknown>;
    expect(log).toMatchObject({ actor_id: 'SYSTEM:LOG', key_id: expect.stringMatching(/^dev-/), public_key: expect.stringMatching(/^[0-9a-f]{64}$/), development: true });
    const keys = sh(only('4.4', /keys list$/)).stdout.trim().split('\n');
    expect(keys.length).toBeGreaterThanOrEqual(14);
    expect(keys.every((line) => / open +DEV$/.test(line))).toBe(true);
  });

  it('§4.4 registers an HSM key by hand and guards the pool floors, on a fresh deployment', () => {
    const url = fresh.url;
    sql(only('4.4', /^INSERT INTO agent_keys/), url);
    expect(psqlRows(url, `SELECT agent_id, encode(public_key, 'hex') FROM agent_keys WHERE key_id = 'hsm-key-id-here'`)).toEqual([['SYSTEM:EVENT_WRITER', PLACEHOLDER_PUBLIC_KEY]]);
    const [raise, lower] = take('4.4', /^UPDATE constitutional_config/);
    expect(raise!.stated).toEqual(['allowed']);
    sql(raise!, url);
    const refused = runOperatorSql(lower!.text, stack, url);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(lower!.stated[0]);
  });

  it('§4.5 registers keepers: two bootstraps, then one approved by both', () => {
    const [keygen, request] = [only('4.5', /keeper keygen/), only('4.5', /keeper request/)];
    // "bob and carol do the same with their names": alice's two lines with the name replaced.
    for (const name of ['alice', 'bob', 'carol']) {
      const as = (command: RunbookCommand) => ({ ...command, text: command.text.replaceAll('alice', name) });
      const made = sh(as(keygen));
      expect(made.stdout).toMatch(new RegExp(`^keeper_id +KEEPER:${name}\\nkey_id +keeper-[0-9a-f]{16}\\npublic_key +[0-9a-f]{64}\\n$`));
      sh(as(request));
      expect(existsSync(join(dir, `${name}.request.json`))).toBe(true);
    }
    const [alice, bob, carol] = take('4.5', /keeper register/);
    expectStated(alice!, sh(alice!).stdout);
    expect(sh(bob!).stdout).toMatch(/^registered KEEPER:bob keeper-[0-9a-f]{16} active_from=\S+: bootstrap \(fewer than a quorum of keepers existed\); keeper.key_registered at sequence \d+$/m);
    for (const sign of take('4.5', /keeper sign carol/)) sh(sign);
    expectStated(carol!, sh(carol!).stdout);
  });

  it('§12.1 `archon72 serve --migrate` serves it as archon72_app, with Redis and an admin token; startup verification passes (§6.2)', async () => {
    const serve = only('12.1', /serve --migrate$/);
    const args = splitCommand(serve.text).words.slice(3);
    const appUrl = new URL(ownerUrl);
    appUrl.username = 'archon72_app';
    server = await startServe(
      { ...stack.env, DATABASE_URL: appUrl.toString(), REDIS_URL: redis.url, CHECKPOINT_INTERVAL_SECONDS: '1' },
      Number(stack.env.API_PORT),
      60_000,
      args,
    );
    // §6.2's `kubectl logs … | grep "pre_operational"` needs Kubernetes; the line it looks for is in this server's log.
    const kubectl = all.find((c) => c.section === '6.2' && c.text.startsWith('kubectl logs'))!;
    const expected = /^Expected: "(.*)"$/.exec(kubectl.stated[0]!)![1]!;
    await waitForOutput(server.process, new RegExp(expected));
    for (let n = 0; n < 5; n++) expect(await postEvent({ n })).toMatchObject({ kind: 'answered', status: 201 });
    head = currentHead();
  });

  it('§5.5, §6.1, §6.3, §6.4 and §12.1: every GET curl prints what the runbook says of its endpoint', () => {
    const curls = all.filter((c) => c.text.startsWith('curl ') && curlPath(c) !== undefined);
    expect(curls.length).toBeGreaterThanOrEqual(12);
    for (const command of curls) {
      ran.add(command);
      const result = runOperatorCommand(command.text, stack);
      // `curl … | head -20` under pipefail: curl fails with 23 when head has read its lines and exits first.
      const cutByReader = result.status === 23 && /\|\s*head\b/.test(command.text);
      expect(result.status === 0 || cutByReader, where(command, result)).toBe(true);
      checkCurlOutput(command, result.stdout);
    }
  });

  it('§6.2 records each startup run; §6.3 verify-db accepts the whole chain', () => {
    const runs = sql(only('6.2', /FROM preoperational_verifications/));
    expect(runs.length).toBeGreaterThan(0);
    expect(runs[0]!.slice(2, 4)).toEqual(['passed', 'f']);
    const verify = only('6.3', /verify-db$/);
    head = currentHead();
    expect(sh(verify).stdout).toBe(`OK: ${head} events verified (sequence 1..${head})\n`);
    expect(statedPattern(verify.stated[0]!.replaceAll('1234', 'N')).test(`OK: ${head} events verified (sequence 1..${head})`)).toBe(true);
  });

  it('§6.4 on this development stack counts every key and every event as development-signed (production: 0)', () => {
    const grep = only('6.4', /keys list \| grep -c ' DEV'$/);
    const developmentKeys = Number(sh(grep).stdout.trim());
    // Every agent, system and witness key here is a development key; the keepers' keys are their own (keeper-…).
    expect(developmentKeys).toBeGreaterThanOrEqual(14);
    expect(String(developmentKeys)).toBe(psqlRows(ownerUrl, `SELECT count(*) FROM agent_keys WHERE key_id LIKE 'dev-%'`)[0]![0]);
    expect(sql(only('6.4', /signing_key_id LIKE 'dev-%'/))).toEqual([[String(currentHead())]]);
  });

  it('§9.5, §11.2 and §11.4 queries report a healthy store and the constitutional limits of the §11.2 table', () => {
    head = currentHead();
    expect(sql(only('9.5', /MAX\(sequence\)/))).toEqual([[String(head)]]);
    const [limits, attempts] = take('11.2', /^SELECT/);
    expect(sql(limits!)).toEqual(limitsTable());
    expect(sql(attempts!)).toEqual([['1', 'f']]);
    expect(attempts!.stated[0]).toContain('is_called = false: none');
    const [count, gaps, halt, openKeys, drift] = take('11.4', /^SELECT/);
    expect(sql(count!)).toEqual([[String(head), '1', String(head)]]);
    expect(sql(gaps!)).toEqual([]);
    expect(sql(halt!)[0]!.slice(0, 2)).toEqual(['00000000-0000-0000-0000-000000000001', 'f']);
    const actors = sql(openKeys!).map((row) => row[0]!);
    expect(new Set(actors).size).toBe(actors.length);
    expect(actors).toEqual(expect.arrayContaining(['SYSTEM:EVENT_WRITER', 'SYSTEM:LOG', 'SYSTEM:CONCLAVE', 'WITNESS:dev-01']));
    expect(sql(drift!).length).toBeLessThanOrEqual(20);
  });

  it('§12.1 synopsis lines name real commands', () => {
    for (const synopsis of take('12.1', /^npx archon72 .*\|/)) {
      for (const words of synopsisCommands(synopsis.text)) {
        const help = sh({ ...synopsis, text: `npx archon72 ${words.join(' ')} --help` });
        expect(help.stdout, `§12.1 ${synopsis.text}: ${words.join(' ')}`).toMatch(new RegExp(`^Usage: archon72 ${words.join(' ')} `, 'm'));
      }
    }
  });

  it('§3.3 initialises a SoftHSM2 token and names it for the service (with a private SOFTHSM2_CONF)', () => {
    const [init, exported] = [only('3.3', /^softhsm2-util --init-token/), only('3.3', /^export HSM_/)];
    if (!shouldRunSoftHsm('runbook §3.3')) return;
    const tokens = join(dir, 'softhsm-tokens');
    mkdirSync(tokens);
    writeFileSync(join(dir, 'softhsm2.conf'), `directories.tokendir = ${tokens}\nobjectstore.backend = file\n`);
    const env = { SOFTHSM2_CONF: join(dir, 'softhsm2.conf') };
    expect(sh(init, { env }).stdout).toMatch(/The token has been initialized/);
    const names = sh({ ...exported, text: `${exported.text}; printenv HSM_PKCS11_LIBRARY HSM_TOKEN_LABEL HSM_PIN` }, { env }).stdout.split('\n');
    expect(names.slice(1, 3)).toEqual(['archon72', '123456']);
    // The module path is Debian's (package softhsm2); other systems install it elsewhere.
    if (findSoftHsmLibrary() === '/usr/lib/softhsm/libsofthsm2.so') expect(names[0]).toBe('/usr/lib/softhsm/libsofthsm2.so');
  });

  // Destructive from here on: halts, each cleared by the keepers' ceremony (§10.4), and the production verifier last.

  it('§9.3 redis-cli halts every instance, recorded as "redis: Emergency maintenance"; §10.4 finds the log intact; the ceremony clears it', async () => {
    // Pasted together, as an operator would: typed further apart than 250 ms the reason would not be recorded (§9.3).
    const [active, reason] = take('9.3', /^redis-cli SET/);
    expect(sh({ ...active!, text: `${active!.text}\n${reason!.text}` }).stdout).toBe('OK\nOK\n');
    await until(async () => (await haltView()).halted, 'the server is halted');
    expect(await haltView()).toMatchObject({ halted: true, reason: 'redis: Emergency maintenance', halted_by: 'halt channel' });
    const [state] = sql(only('10.4', /FROM halt_state/));
    expect(state!.slice(1, 4)).toEqual(['t', 'redis: Emergency maintenance', 'redis']);
    const verify = only('10.4', /verify-db --full$/);
    const intact = sh(verify).stdout;
    expect(intact).toMatch(/^OK: \d+ events verified \(sequence 1\.\.\d+\)$/m);
    expect(intact).toMatch(/^OK: checkpoint_anchors: /m);
    expect(verify.stated[1]).toMatch(/^OK: N events verified \(sequence 1\.\.N\) and OK: checkpoint_anchors: … when the log is intact/);
    await clearByCeremony('clear-redis');
  });

  it('§9.3 the admin API halts; writes answer 503 SYSTEM_HALTED and reads carry the halt headers; cleared again', async () => {
    const curl = only('9.3', /^curl -X POST/);
    expectStated(curl, sh(curl).stdout);
    const refused = await postEvent({ during: 'halt' });
    expect(refused).toMatchObject({ kind: 'answered', status: 503, code: 'SYSTEM_HALTED' });
    const prose = /`(\{"error":\{"code":"SYSTEM_HALTED","message":"[^"]*",)…\}\}`/.exec(readFileSync(OUR_RUNBOOK, 'utf8'))![1]!;
    expect(JSON.stringify(refused.kind === 'answered' ? refused.body : undefined).startsWith(prose)).toBe(true);
    const read = await fetch(`${server.url}/v1/observer/events`);
    expect(read.status).toBe(200);
    expect(read.headers.get('x-archon72-halted')).toBe('true');
    expect(read.headers.get('x-archon72-halted-since')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await clearByCeremony('clear-api');
  });

  it('§9.3 the CLI halts with ADMIN_TOKEN; cleared again', async () => {
    const trigger = only('9.3', /^ADMIN_TOKEN=… npx archon72 halt trigger/);
    expectStated(trigger, sh(trigger).stdout);
    await clearByCeremony('clear-cli');
  });

  it('§9.3 one keeper halts with a statement signed offline, and halt status shows it; cleared again', async () => {
    for (const command of [only('9.3', /halt statement/), only('9.3', /keeper sign halt\.json/)]) sh(command);
    const signed = only('9.3', /halt trigger --signed/);
    expectStated(signed, sh(signed).stdout);
    const status = only('9.3', /halt status$/);
    const shown = sh(status).stdout;
    expectStated(status, shown, 0);
    expectStated(status, shown, 1);
    await clearByCeremony('clear-keeper');
  });

  it('§12.1 redis-cli SET of the flag alone halts too, recorded without a reason after 250 ms (§9.3); cleared again', async () => {
    expect(sh(only('12.1', /^redis-cli SET archon72:halt:active/)).stdout).toBe('OK\n');
    await until(async () => (await haltView()).halted, 'the server is halted');
    expect((await haltView()).reason).toBe('redis: (no archon72:halt:reason given)');
    await clearByCeremony('clear-flag');
  });

  it('§6.4 a production verifier refuses this development-signed log at sequence 1 and halts the system', async () => {
    const verify = only('6.4', /^DEV_MODE=false npx archon72 verify-db$/);
    const result = sh(verify, { status: 1 });
    expectStated(verify, result.stdout, 1);
    expect(result.stdout).toMatch(/^system halted \(CT-13\): verify-db: FAULT at sequence 1: SIG_DEVELOPMENT_KEY/m);
    await until(async () => (await haltView()).halted, 'the server sees the halt verify-db recorded');
    expect((await haltView()).halted_by).toBe('archon72 verify-db');
  });

  it('ran every runnable command of the runbook (or names the test that runs it)', () => {
    const notRun = all
      .filter((command) => {
        const found = classifyRunbookCommand(command);
        return found?.runnable === true && found.runBy === undefined && !ran.has(command);
      })
      .map((c) => `§${c.section} line ${c.line}: ${c.text}`);
    expect(notRun).toEqual([]);
  });
});

/** §11.2's table of constitutional limits as psql -At prints the §11.2 query: key|value|floor|ceiling, sorted by key. */
function limitsTable(): string[][] {
  const text = readFileSync(OUR_RUNBOOK, 'utf8');
  const section = text.slice(text.indexOf('### 11.2'), text.indexOf('### 11.4'));
  return section
    .split('\n')
    .filter((line) => /^\| `[a-z_]+` \|/.test(line))
    .map((line) => line.split('|').slice(1, 5).map((cell) => cell.trim().replaceAll('`', '').replace('—', '')))
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}
