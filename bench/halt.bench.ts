/**
 * `npm run bench:halt`: how fast a halt reaches every instance, under full write load, and that nothing but halt
 * records is stored after it. Several `archon72 serve` processes share one PostgreSQL database and one Redis (a
 * redis-server child of this process); each is hammered by concurrent writers with pre-signed submissions. Each
 * trial raises a halt (alternately the runbook's Redis SETs and POST /v1/admin/halt on one instance), times when each
 * instance first refuses a write with 503 SYSTEM_HALTED, checks by sequence that no other event committed after the
 * halt, clears it with a two-keeper ceremony and waits for every instance to write again. Writes
 * bench/results/halt.md. Options: `-- --warmup 4 --trials 40 --instances 3 --writers 16 --halt-poll-ms 500 --load-ms 400,1200
 * --presign 5000 --agents 8 --redis-cli --keyspace-events --no-verify --out FILE`.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { toSubmissionJson } from '../src/domain/chain/event-json.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { closeScopesOnSignal, scoped } from './bench-scope.js';
import { createArgvReader, testPgAdminUrl } from './bench-options.js';
import { makeTempDir, openBenchStack, postgresUnreachable, prepareDatabase } from './bench-stack.js';
import { presign, provisionAgents, type AgentSigners } from './bench-agents.js';
import { BENCH_POSTGRES_PIDS_SQL, CpuMeter, waitForQuietMachine } from './cpu-usage.js';
import { collectMachineInfo } from './machine-info.js';
import { formatNumber } from './format-table.js';
import { createInstanceClient, type InstanceClient } from './halt-http.js';
import { startProbes, startWriters } from './halt-writers.js';
import { clearCeremonyBody, haltedLogTimes, instanceEnv, registerBenchKeepers, startInstances, type BenchKeeper } from './halt-setup.js';
import { everyInstanceMs, latencyTable, percentile, slowest, trialTable, type TriggerKind, type Trial } from './halt-report.js';
import { redisBinariesUnavailableReason, startRedisProcess, type RedisProcess } from '../test/support/redis-process.js';
import { CLI } from '../test/support/run-cli.js';
import { timestampToMillis } from '../src/domain/chain/timestamp.js';
import type { Stack } from '../src/compose.js';
import type { ServeProcess } from '../test/support/serve-process.js';
import type { HaltRecord } from '../src/app/ports.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';

interface Options {
  trials: number;
  /** Trials run first and reported apart: the first halts after the instances started run cold code paths. */
  warmup: number;
  instances: number;
  writers: number;
  haltPollMs: number;
  presign: number;
  agents: number;
  loadMs: [number, number];
  /** Raise the Redis halt with two real `redis-cli` processes (t0 = the first one's spawn) instead of a held connection. */
  redisCli: boolean;
  /** Start redis-server with `--notify-keyspace-events K$`, so a SET of the flag is pushed instead of found by the 25 ms poll. */
  keyspaceEvents: boolean;
  verify: boolean;
  out: string;
}

const PG_ADMIN_URL = testPgAdminUrl(process.env);
/** How long an instance may take to refuse before the trial records it as "never". */
const REFUSAL_TIMEOUT_MS = 10_000;
/** Writers keep going this long after every instance refused, to catch a late acceptance. */
const TAIL_MS = 150;
const execFileAsync = promisify(execFile);

function parseOptions(argv: string[]): Options {
  const args = createArgvReader(argv);
  const [loadMin, loadMax] = (args.value('load-ms') ?? '400,1200').split(',').map(Number);
  if (!(loadMin! > 0 && loadMax! >= loadMin!)) throw new Error('--load-ms MIN,MAX (ms of load before each trigger)');
  return {
    trials: args.int('trials', 40, 2),
    warmup: args.int('warmup', 4, 0),
    instances: args.int('instances', 3, 2),
    writers: args.int('writers', 16, 1),
    haltPollMs: args.int('halt-poll-ms', 500, 50),
    presign: args.int('presign', 5000, 100),
    agents: args.int('agents', 8, 1),
    loadMs: [loadMin!, loadMax!],
    redisCli: args.flag('redis-cli'),
    keyspaceEvents: args.flag('keyspace-events'),
    verify: !args.flag('no-verify'),
    out: args.value('out') ?? 'bench/results/halt.md',
  };
}

function toWireJson(s: EventSubmission): string {
  return JSON.stringify(toSubmissionJson(s));
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Everything a trial needs. */
interface Bench {
  options: Options;
  stack: Stack;
  signers: AgentSigners;
  keepers: BenchKeeper[];
  servers: ServeProcess[];
  clients: InstanceClient[];
  redis: RedisProcess;
  redisClient: Redis;
  adminToken: string;
  logOffsets: number[];
  nodePids: () => number[];
  postgresPids: () => Promise<number[]>;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Raises the halt the trial's way; resolves with the POST /v1/admin/halt round trip for `api`. t0 is taken before anything is sent. */
async function trigger(bench: Bench, kind: TriggerKind, target: number, reason: string, t0: number): Promise<number | undefined> {
  if (kind === 'api') {
    const answer = await (bench.clients[target] as InstanceClient).request('POST', '/v1/admin/halt', JSON.stringify({ reason }), { authorization: `Bearer ${bench.adminToken}` });
    if (answer.status !== 200) throw new Error(`POST /v1/admin/halt answered ${answer.status}: ${answer.body}`);
    return performance.now() - t0;
  }
  // Runbook §9.3: SET active, then SET reason, two separate commands.
  if (bench.options.redisCli) {
    await execFileAsync('redis-cli', ['-p', String(bench.redis.port), 'SET', 'archon72:halt:active', 'true']);
    await execFileAsync('redis-cli', ['-p', String(bench.redis.port), 'SET', 'archon72:halt:reason', reason]);
  } else {
    // Both written at once, as pasted lines would be, but in order; see the report for what a gap between them does.
    await Promise.all([bench.redisClient.set('archon72:halt:active', 'true'), bench.redisClient.set('archon72:halt:reason', reason)]);
  }
  return undefined;
}

/** Until `server` accepts a write again (it verifies the whole chain after a clear); ms from `from`. */
async function waitForWrites(bench: Bench, client: InstanceClient, from: number, run: string): Promise<number> {
  let n = 0;
  for (;;) {
    const answer = await client.request('POST', '/v1/events', toWireJson(await bench.signers.sign(1_000_000 + n++, run)));
    if (answer.status === 201) return performance.now() - from;
    if (answer.status !== 503) throw new Error(`instance on port ${client.port} answered ${answer.status} while resuming: ${answer.body}`);
    if (performance.now() - from > 600_000) throw new Error(`instance on port ${client.port} did not resume within 10 minutes`);
    await sleep(50);
  }
}

/** The instance's event loop delay p99 and max (ms) since the last scrape: prom-client resets its histogram on every scrape. */
async function eventLoopLag(client: InstanceClient): Promise<{ p99: number; max: number }> {
  const text = (await client.request('GET', '/metrics')).body;
  const read = (name: string) => Number(new RegExp(`^archon72_process_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
  return { p99: read('p99'), max: read('max') };
}

async function countQuery(stack: Stack, sql: string, params: unknown[]): Promise<number> {
  const [row] = await stack.client.query<{ n: number }>(sql, params);
  return Number(row?.n ?? Number.NaN);
}

async function runTrial(bench: Bench, index: number): Promise<Trial> {
  const { options, stack, clients } = bench;
  const kind: TriggerKind = index % 2 === 0 ? 'redis' : 'api';
  const target = Math.floor(index / 2) % clients.length;
  const run = `halt-trial-${index}-${randomBytes(3).toString('hex')}`;
  const bodies = (await presign(bench.signers, options.presign, run)).map(toWireJson);
  let next = 0;
  let late = 0;
  const nextBody = async () => (next < bodies.length ? (bodies[next++] as string) : toWireJson(await bench.signers.sign(options.presign + late++, run)));
  const headBefore = (await stack.store.head())?.sequence ?? 0;
  haltedLogTimes(bench.servers, bench.logOffsets); // skip log lines from before this trial

  const reason = `bench trial ${index + 1}: ${kind}`;
  // Probes: a submission carrying another submission's signature (SIG_INVALID while operational).
  const probeBodies = await Promise.all(clients.map(async (_, i) => {
    const [a, b] = await presign(bench.signers, 2, `${run}-probe-${i}`);
    return toWireJson({ ...(a as EventSubmission), signature: (b as EventSubmission).signature });
  }));
  await Promise.all(clients.map((client) => eventLoopLag(client))); // resets the instances' lag histograms
  let t0 = 0;
  let loadSeconds = 0;
  let windowSeconds = 0;
  let apiMs: number | undefined;
  const meter = new CpuMeter(bench.nodePids, bench.postgresPids);
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const writers = startWriters(clients, options.writers, nextBody);
  const probes = startProbes(clients, probeBodies);
  const observations = writers.observations;
  await meter.measure(async () => {
    loopDelay.enable();
    const loadStart = performance.now();
    await sleep(options.loadMs[0] + Math.random() * (options.loadMs[1] - options.loadMs[0]));
    t0 = performance.now();
    writers.setTrigger(t0);
    loadSeconds = (t0 - loadStart) / 1000;
    const triggered = trigger(bench, kind, target, reason, t0);
    const allRefused = () => observations.every((o) => o.firstRefusalAt !== undefined) && probes.observations.every((o) => o.firstRefusalAt !== undefined);
    await until('every instance to refuse a write', allRefused, REFUSAL_TIMEOUT_MS).catch(() => undefined);
    await sleep(TAIL_MS);
    await Promise.all([writers.stop(), probes.stop()]);
    apiMs = await triggered;
    loopDelay.disable();
    windowSeconds = (performance.now() - loadStart) / 1000;
  });
  const lags = await Promise.all(clients.map((client) => eventLoopLag(client)));
  const t0Wall = performance.timeOrigin + t0;

  // The halt as the database recorded it (the Redis trigger is recorded by whichever instance saw it first).
  let halt: HaltRecord | undefined;
  await until('halt_state to say halted', async () => (halt = await stack.haltState.read()).halted, 10_000, 10);
  const recorded = halt as HaltRecord;
  const haltedAfter = recorded.haltedAfterSequence ?? 0;
  const eventsAfterHalt = await countQuery(stack, 'SELECT count(*)::int AS n FROM events WHERE sequence > $1 AND NOT is_halt_record_event_type(event_type)', [haltedAfter]);
  const haltEvents = await countQuery(stack, `SELECT count(*)::int AS n FROM events WHERE sequence > $1 AND event_type = 'halt.triggered'`, [headBefore]);
  const guardLogs = haltedLogTimes(bench.servers, bench.logOffsets);

  // Clear by ceremony through one instance, then wait for every instance to verify the chain and write again.
  const chainLength = (await stack.store.head())?.sequence ?? 0;
  const clearAnswer = await (clients[index % clients.length] as InstanceClient).request('POST', '/v1/halt/ceremony', clearCeremonyBody(recorded, bench.keepers, `bench trial ${index + 1} cleared`));
  if (clearAnswer.status !== 200) throw new Error(`POST /v1/halt/ceremony answered ${clearAnswer.status}: ${clearAnswer.body}`);
  const clearedAt = performance.now();
  const redisKeysAfterClear = await bench.redisClient.exists('archon72:halt:active', 'archon72:halt:reason');
  const resumeMs = await Promise.all(clients.map((client) => waitForWrites(bench, client, clearedAt, run)));

  const other: Record<string, number> = {};
  for (const o of [...observations, ...probes.observations]) for (const [key, n] of o.other) other[key] = (other[key] ?? 0) + n;
  return {
    index,
    warmup: index < bench.options.warmup,
    kind,
    target: kind === 'api' ? target : undefined,
    probeMs: probes.observations.map((o) => (o.firstRefusalAt === undefined ? undefined : o.firstRefusalAt - t0)),
    probeSentMs: probes.observations.map((o) => (o.firstRefusalSentAt === undefined ? undefined : o.firstRefusalSentAt - t0)),
    firstRefusalMs: observations.map((o) => (o.firstRefusalAt === undefined ? undefined : o.firstRefusalAt - t0)),
    guardLogMs: guardLogs.map((at) => (at === undefined ? undefined : at - t0Wall)),
    recordedMs: recorded.haltedAt === undefined ? undefined : timestampToMillis(recorded.haltedAt) - t0Wall,
    apiMs,
    eventsAfterHalt,
    ackedAfterHalt: observations.reduce((n, o) => n + o.acceptedAfterTrigger.filter((s) => !(s <= haltedAfter)).length, 0),
    acceptedAfterRefusal: observations.reduce((n, o) => n + o.acceptedAfterRefusal, 0),
    haltEvents,
    recordedReason: recorded.reason ?? '',
    expectedReason: kind === 'redis' ? `redis: ${reason}` : reason,
    loadEvents: observations.reduce((n, o) => n + o.acceptedBeforeTrigger, 0),
    loadSeconds,
    resumeMs,
    chainLength,
    redisKeysAfterClear,
    other: late > 0 ? { ...other, 'signed in the loop (pool ran out)': late } : other,
    serverLagP99Ms: lags.map((l) => l.p99),
    serverLagMaxMs: lags.map((l) => l.max),
    benchLagP99Ms: loopDelay.percentile(99) / 1e6,
    benchLagMaxMs: loopDelay.max / 1e6,
    cpu: meter.percent(windowSeconds),
  };
}

function describeTrial(t: Trial): string {
  const refusals = t.probeMs.map((v) => (v === undefined ? 'never' : v.toFixed(1))).join('/');
  const checks = `after-halt ${t.eventsAfterHalt}, acked-after ${t.ackedAfterHalt}, accepted-after-503 ${t.acceptedAfterRefusal}, halt events ${t.haltEvents}`;
  const reason = t.recordedReason === t.expectedReason ? '' : `, reason recorded as ${JSON.stringify(t.recordedReason)}`;
  const other = Object.keys(t.other).length > 0 ? `, other answers ${JSON.stringify(t.other)}` : '';
  return `  trial ${t.index + 1} ${t.kind === 'api' ? `api→${(t.target ?? 0) + 1}` : 'redis'}: refusing ${refusals} ms (all ${everyInstanceMs(t)?.toFixed(1) ?? 'never'}; writers ${slowest(t.firstRefusalMs)?.toFixed(1) ?? 'never'}), recorded ${t.recordedMs?.toFixed(1)} ms; ${formatNumber(t.loadEvents / t.loadSeconds)} events/s; ${checks}${reason}${other}; resumed in ${t.resumeMs.map((v) => (v / 1000).toFixed(1)).join('/')} s (chain ${t.chainLength}); loop lag p99 ${t.serverLagP99Ms.map((v) => v.toFixed(0)).join('/')} ms, bench ${t.benchLagP99Ms.toFixed(0)} ms; cpu node ${t.cpu.node.toFixed(0)}% pg ${t.cpu.postgres.toFixed(0)}% other ${t.cpu.other.toFixed(0)}%`;
}

function verifyWholeChain(databaseUrl: string): { ok: boolean; seconds: number; output: string } {
  const start = performance.now();
  const result = spawnSync(process.execPath, [CLI, 'verify-db'], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, DEV_MODE: 'true', ENVIRONMENT: 'development' }, encoding: 'utf8', timeout: 30 * 60_000 });
  return { ok: result.status === 0, seconds: (performance.now() - start) / 1000, output: `${result.stdout}${result.stderr}`.trim() };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const pgDown = await postgresUnreachable(PG_ADMIN_URL);
  if (pgDown !== undefined) throw new Error(`PostgreSQL at ${PG_ADMIN_URL} is unreachable: ${pgDown}`);
  const redisMissing = redisBinariesUnavailableReason();
  if (redisMissing !== undefined) throw new Error(redisMissing);
  log('building dist/ (the instances run bin/archon72.js)…');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  closeScopesOnSignal();

  await scoped(async (scope) => {
    const machine = await collectMachineInfo(PG_ADMIN_URL);
    const redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
    log(`${machine.summary}\n${redisVersion}`);
    const db = await prepareDatabase(PG_ADMIN_URL, undefined);
    scope.defer(() => db.drop());
    const tmp = makeTempDir('archon72-bench-halt-');
    scope.defer(() => tmp.remove());
    const redis = await startRedisProcess(undefined, options.keyspaceEvents ? ['--notify-keyspace-events', 'K$'] : []);
    scope.defer(() => redis.kill('SIGKILL'));
    const dataDir = join(tmp.path, 'data');
    const stack = await openBenchStack(dataDir, db.url, 'archon72 bench:halt');
    scope.defer(() => stack.close());
    const signers = await provisionAgents(join(tmp.path, 'agents'), options.agents, { registry: stack.registry, keys: stack.keys });
    const keepers = await registerBenchKeepers(stack, ['alice', 'bob']);
    const adminToken = randomBytes(24).toString('hex');
    const servers = await startInstances(instanceEnv({ databaseUrl: db.url, dataDir, redisUrl: redis.url, haltPollMs: options.haltPollMs, adminToken }), options.instances);
    scope.defer(() => {
      for (const s of servers) s.process.child.kill('SIGKILL');
    });
    const clients = servers.map((s) => createInstanceClient(s.port, options.writers + 2));
    scope.defer(() => clients.forEach((c) => c.close()));
    const redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    redisClient.on('error', () => undefined);
    scope.defer(() => void redisClient.disconnect());
    const bench: Bench = {
      options,
      stack,
      signers,
      keepers,
      servers,
      clients,
      redis,
      redisClient,
      adminToken,
      logOffsets: servers.map(() => 0),
      nodePids: () => [process.pid, ...servers.map((s) => s.process.child.pid ?? 0)],
      postgresPids: async () => (await stack.client.query<{ pid: number }>(BENCH_POSTGRES_PIDS_SQL)).map((r) => r.pid),
    };
    log('waiting for the machine to be quiet (other processes under 15 % of all cores for 3 s)…');
    const quiet = await waitForQuietMachine(15, 300_000);
    if (!quiet) log('  the machine stayed busy; measuring anyway (see the "other" CPU column)');

    log(`${options.instances} instances × ${options.writers} writers, HALT_POLL_MS=${options.haltPollMs}, ${options.warmup} warm-up + ${options.trials} trials (${options.redisCli ? 'redis-cli processes' : 'a held Redis connection'} for the Redis trigger)`);
    const trials: Trial[] = [];
    let measuredSeconds = 0;
    for (let i = 0; i < options.warmup + options.trials; i++) {
      const trial = await runTrial(bench, i);
      trials.push(trial);
      if (!trial.warmup) measuredSeconds += trial.loadSeconds;
      log(`${describeTrial(trial)}${trial.warmup ? ' [warm-up]' : ''}`);
    }
    const verification = options.verify ? verifyWholeChain(db.url) : undefined;
    if (verification) log(`verify-db: ${verification.ok ? 'OK' : 'FAILED'} in ${verification.seconds.toFixed(1)} s: ${verification.output.split('\n').at(-1)}`);

    const report = renderReport({ options, trials, machine: `${machine.summary}\n${redisVersion}`, measuredSeconds, quiet, verification });
    log(`\n${latencyTable(trials.filter((t) => !t.warmup), options.instances)}`);
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, report);
    log(`\nwrote ${options.out}`);
  });
}

interface ReportInput {
  options: Options;
  trials: Trial[];
  machine: string;
  measuredSeconds: number;
  quiet: boolean;
  verification: { ok: boolean; seconds: number; output: string } | undefined;
}

function renderReport(input: ReportInput): string {
  const { options } = input;
  const trials = input.trials.filter((t) => !t.warmup);
  const warmups = input.trials.filter((t) => t.warmup);
  const every = trials.map(everyInstanceMs);
  const p99 = percentile(every, 99);
  const clean = trials.every((t) => t.eventsAfterHalt === 0 && t.ackedAfterHalt === 0 && t.acceptedAfterRefusal === 0);
  const loadEvents = trials.reduce((n, t) => n + t.loadEvents, 0);
  const lostReasons = trials.filter((t) => t.recordedReason !== t.expectedReason).length;
  const haltEventsOk = trials.every((t) => t.haltEvents === 1);
  const med = (pick: (t: Trial) => number) => percentile(trials.map(pick), 50).toFixed(0);
  return `# Halt propagation across instances (\`npm run bench:halt\`)

Generated by \`bench/halt.bench.ts\` on ${new Date().toISOString()}; options: \`--warmup ${options.warmup} --trials ${options.trials} --instances ${options.instances} --writers ${options.writers} --halt-poll-ms ${options.haltPollMs} --load-ms ${options.loadMs.join(',')}${options.redisCli ? ' --redis-cli' : ''}${options.keyspaceEvents ? ' --keyspace-events' : ''}\`.

## Machine

\`\`\`
${input.machine}
\`\`\`

## Result

- **Trigger → every instance refusing writes, p99: ${p99.toFixed(1)} ms** over ${trials.length} trials (target ≤ 100 ms: **${p99 <= 100 ? 'met' : 'not met'}**); max ${percentile(every, 100).toFixed(1)} ms.
- Warm-up: the first ${warmups.length} halts after the instances started (not in the figures above): every instance refusing after ${warmups.map((t) => `${everyInstanceMs(t)?.toFixed(1) ?? 'never'} ms (${t.kind})`).join(', ')}.
- **Events stored after a halt** (type not \`halt.triggered\`/\`halt.cleared\`/\`key.revoked\`, sequence > \`halted_after_sequence\`): **${trials.reduce((n, t) => n + t.eventsAfterHalt, 0)}** in total (target 0: **${clean ? 'met' : 'NOT MET'}**; warm-up trials included: ${input.trials.reduce((n, t) => n + t.eventsAfterHalt, 0)}). Writes acknowledged with 201 above \`halted_after_sequence\`: ${trials.reduce((n, t) => n + t.ackedAfterHalt, 0)}. Writes accepted by an instance after it had refused one: ${trials.reduce((n, t) => n + t.acceptedAfterRefusal, 0)}.
- Exactly one \`halt.triggered\` per halt: ${haltEventsOk ? 'yes, every trial' : `NO: ${trials.filter((t) => t.haltEvents !== 1).map((t) => `trial ${t.index + 1}: ${t.haltEvents}`).join(', ')}`}. Reason recorded as given: ${trials.length - lostReasons} of ${trials.length} trials${lostReasons > 0 ? ` (${lostReasons} recorded \`redis: (no archon72:halt:reason given)\`: the flag was seen before the reason was SET)` : ''}.
- Load: ${formatNumber(loadEvents / input.measuredSeconds)} events/s acknowledged over the load phases (${formatNumber(loadEvents)} events in ${input.measuredSeconds.toFixed(1)} s, all instances together). CPU in the trial windows, median over trials (% of one core; the machine has ${availableParallelism()} cores): node (benchmark + instances) ${med((t) => t.cpu.node)}, PostgreSQL ${med((t) => t.cpu.postgres)}, everything else ${med((t) => t.cpu.other)}${input.quiet ? '' : ' (the machine was busy with other work when the run started)'}.
- Event loop delay in the trial windows: the instances' p99 (prom-client, 10 ms resolution) median ${med((t) => Math.max(...t.serverLagP99Ms))} ms, worst ${Math.max(...trials.flatMap((t) => t.serverLagMaxMs)).toFixed(0)} ms; the benchmark's own (it holds the clock) p99 median ${med((t) => t.benchLagP99Ms)} ms, worst max ${Math.max(...trials.map((t) => t.benchLagMaxMs)).toFixed(0)} ms. A late reading only makes a propagation figure larger.
- Resume after the clear (every instance verifies the whole chain first): p50 ${(percentile(trials.flatMap((t) => t.resumeMs), 50) / 1000).toFixed(1)} s, max ${(percentile(trials.flatMap((t) => t.resumeMs), 100) / 1000).toFixed(1)} s, at chains of ${formatNumber(trials[0]?.chainLength ?? 0)}–${formatNumber(trials.at(-1)?.chainLength ?? 0)} events.
${input.verification ? `- \`archon72 verify-db\` over the whole log afterwards: ${input.verification.ok ? 'OK' : 'FAILED'} (${input.verification.seconds.toFixed(1)} s): \`${input.verification.output.split('\n').at(-1)}\`.\n` : ''}
\`\`\`
${latencyTable(trials, options.instances)}
\`\`\`

## How it was measured

- ${options.instances} \`archon72 serve\` processes (\`node bin/archon72.js serve\`, built \`dist/\`), \`DEV_MODE=true\`, one shared data
  directory (development keys), one PostgreSQL database, one Redis (\`redis-server --save '' --appendonly no${options.keyspaceEvents ? ' --notify-keyspace-events K$' : ''}\`, a
  child of the benchmark), \`HALT_POLL_MS=${options.haltPollMs}\` (how often each instance re-reads \`halt_state\`; the Redis
  channel itself reads its keys every 25 ms and listens on pub/sub${options.keyspaceEvents ? ' and, here, on keyspace notifications of the flag' : ''}), \`LOG_LEVEL=warn\`. Everything,
  the benchmark included, shares the machine's ${availableParallelism()} cores.
- Load: ${options.writers} writers per instance, each posting its next pre-signed submission (\`POST /v1/events\`, ${options.agents}
  agents, ~300-byte payloads, signed before the trial) the moment its last answer arrived, including after 503s (no
  back-off). A random ${options.loadMs[0]}–${options.loadMs[1]} ms of load precedes each trigger, so triggers fall at random
  points of the 25 ms key poll and of the \`HALT_POLL_MS\` poll.
- Triggers alternate: **redis** = \`SET archon72:halt:active true\` then \`SET archon72:halt:reason …\` (runbook §9.3), ${
    options.redisCli
      ? 'each by a `redis-cli` process, one after the other; t0 = just before the first is spawned, so the figure includes redis-cli start-up'
      : 'the same two commands written back to back, in that order, on a connection the benchmark holds open, so t0 (taken just before they are written) is the moment the flag is set, without the ~5–30 ms a `redis-cli` process takes to start'
  }; **api** = \`POST /v1/admin/halt\` with \`ADMIN_TOKEN\`, to instance 1, 2, 3 in turn; t0 = just before the request is sent.
- **Refusing (probe)**, the headline figure: besides the writers, one probe per instance posts, back to back, a
  submission carrying another submission's signature. The halt gate is the first thing an append checks, so an
  operational instance answers it 422 \`SIG_INVALID\` at once (no database, no queueing behind the writers' commits)
  and a halted one 503 \`SYSTEM_HALTED\`. The figure is when the first 503 arrived back at the benchmark
  (\`performance.now()\`) minus t0: an upper bound, as it includes the answer's trip through a loaded machine; "probe
  sent" is when that probe left, a lower bound. "EVERY instance" = the slowest instance of the trial.
- Also shown: "first 503 to a writer" (a writer only sends again once its queued write committed, so this adds
  commit latency), "guard log" = the \`time\` of each instance's \`halt: this instance is now halted\` log line (ms
  resolution, the server's own clock), and "recorded" = \`halt_state.halted_at\` (database clock, same machine) minus t0.
- Checks per trial, while still halted: \`SELECT count(*) FROM events WHERE sequence > halted_after_sequence AND NOT
  is_halt_record_event_type(event_type)\` must be 0; every 201 received after t0 must carry a sequence ≤
  \`halted_after_sequence\`; no instance may accept a write sent after it had refused one; exactly one \`halt.triggered\`.
- Then the halt is cleared by a two-keeper ceremony (\`POST /v1/halt/ceremony\`, a \`halt.clear\` statement signed by two
  keepers registered at bootstrap), the Redis keys must be gone, and each instance is probed every 50 ms until it
  accepts a write again (it re-verifies the whole chain first).
- ${warmups.length} warm-up trials run first, the same way, and are listed but left out of the percentiles: the first
  halts after start run cold code paths (JIT) on every instance. p-values are nearest-rank; with ${trials.length} trials
  (${trials.filter((t) => t.kind === 'redis').length} per kind) p99 is the maximum.

## Trials

\`\`\`
${trialTable(input.trials)}
\`\`\`
`;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:halt failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
