/**
 * `npm run bench:append`: events/s through the real EventAppender and the database triggers, on PostgreSQL
 * (one process, then several processes on one database) and on embedded PGlite on disk. Every event is signed
 * by its agent (Ed25519, agent-held keys), verified by the appender, witnessed (witness signature from the
 * server's custody), hash-chained and committed. A benchmark, not a test: it prints a table and writes JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { verifyChain } from '../src/app/verify-chain.js';
import { parseBenchOptions, type BenchOptions, type SigningMode } from './bench-options.js';
import { openBenchStack, makeTempDir, postgresUnreachable, prepareDatabase } from './bench-stack.js';
import { presign, provisionAgents, type AgentSigners } from './bench-agents.js';
import { percentile, runInSegments, runLoad, type LoadResult } from './run-load.js';
import { takeCensus, describeCensus, type ChainCensus } from './chain-census.js';
import { BENCH_POSTGRES_PIDS_SQL, CpuMeter, waitForQuietMachine, type CpuSample } from './cpu-usage.js';
import { WorkerPool } from './worker-pool.js';
import { collectMachineInfo } from './machine-info.js';
import { formatNumber } from './format-table.js';
import { scoped, closeScopesOnSignal, wasInterrupted } from './bench-scope.js';
import { BUSY_MACHINE_PERCENT, formatResults, formatVerdict, type Backend, type RunRecord } from './results-report.js';
import { profileBreakdown, type Breakdown } from './profile-breakdown.js';
import type { Stack } from '../src/compose.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';

const options = parseBenchOptions(process.argv.slice(2), process.env);
const records: RunRecord[] = [];
const notes: string[] = [];
const breakdowns: Breakdown[] = [];
let verification: { events: number; seconds: number; fault: string | undefined } | undefined;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Turns a load result into a record and prints its one-line summary. */
function record(base: Pick<RunRecord, 'backend' | 'processes' | 'concurrency' | 'signing' | 'busyRetries'>, load: LoadResult, cpu: CpuSample, census?: ChainCensus): RunRecord {
  const seconds = load.busyMs / 1000;
  const sorted = load.latenciesMs.slice().sort();
  const r: RunRecord = { ...base, events: load.events, seconds, eventsPerSecond: load.events / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), cpuPercent: cpu, census };
  records.push(r);
  log(
    `  ${r.backend} ${r.processes}p c=${r.concurrency} ${r.signing}: ${r.events} events in ${r.seconds.toFixed(2)} s = ${formatNumber(r.eventsPerSecond)} events/s, ` +
      `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, cpu node ${cpu.node.toFixed(0)}% postgres ${cpu.postgres.toFixed(0)}% other ${cpu.other.toFixed(0)}%`,
  );
  if (r.busyRetries > 0) log(`    (measured again ${r.busyRetries}× because other processes were busy during the earlier attempt)`);
  if (census) log(`    chain after run: ${describeCensus(census)}`);
  return r;
}

/**
 * One configuration in this process. Pre-signed: each segment's submissions are signed, then the timer runs
 * while they are appended (runInSegments keeps every event within the drift threshold). In-loop: one timed
 * window in which each appender signs its next submission itself before appending it.
 */
async function measureConfiguration(stack: Stack, signers: AgentSigners, run: string, concurrency: number, signing: SigningMode, meter: CpuMeter): Promise<LoadResult> {
  const appender = stack.appender();
  if (signing === 'in-loop') return meter.measure(() => runLoad(appender, concurrency, options.events, (i) => signers.sign(i, run)));
  return runInSegments(options.events, async (offset, count) => {
    const signed = await presign(signers, count, run, offset);
    return meter.measure(() => runLoad(appender, concurrency, count, (i) => signed[i] as EventSubmission));
  });
}

/** PostgreSQL processes to charge to the benchmark (none for PGlite, which runs inside node). */
async function postgresPids(stack: Stack): Promise<number[]> {
  if (stack.client.backend !== 'postgresql') return [];
  return (await stack.client.query<{ pid: number }>(BENCH_POSTGRES_PIDS_SQL)).map((r) => r.pid);
}

/** Measures every concurrency × signing mode in this process on `stack`. */
async function measureInProcess(backend: Backend, stack: Stack, signers: AgentSigners): Promise<void> {
  for (const concurrency of options.concurrency) {
    for (const signing of options.signing) {
      const base = { backend, processes: 1, concurrency, signing };
      await measureUntilQuiet(base, stack, async (attempt) => {
        const meter = new CpuMeter(() => [process.pid], () => postgresPids(stack));
        const load = await measureConfiguration(stack, signers, `${backend}/1p/c${concurrency}/${signing}/${attempt}`, concurrency, signing, meter);
        return { load, cpu: meter.percent(load.busyMs / 1000) };
      });
    }
  }
}

/**
 * Measures a configuration; when other processes took more than BUSY_MACHINE_PERCENT of a core meanwhile (a
 * shared machine), waits for a quiet moment and measures it again, up to --busy-retries times. Every attempt's
 * events stay in the log; the table shows the last attempt, flagged with * if the machine never went quiet.
 */
async function measureUntilQuiet(
  base: Pick<RunRecord, 'backend' | 'processes' | 'concurrency' | 'signing'>,
  stack: Stack,
  attempt: (n: number) => Promise<{ load: LoadResult; cpu: CpuSample }>,
): Promise<void> {
  for (let n = 0; ; n++) {
    const { load, cpu } = await attempt(n);
    const census = await takeCensus(stack.client);
    if (cpu.other <= BUSY_MACHINE_PERCENT || n >= options.busyRetries) {
      record({ ...base, busyRetries: n }, load, cpu, census);
      return;
    }
    log(`  ${base.backend} ${base.processes}p c=${base.concurrency} ${base.signing}: other processes used ${cpu.other.toFixed(0)}% of a core; waiting for a quiet machine to measure again`);
    await waitForQuietMachine();
  }
}

async function benchPostgres(): Promise<void> {
  const target = options.databaseUrl ?? options.adminUrl;
  const unreachable = await postgresUnreachable(target);
  if (unreachable !== undefined) {
    const note = `PostgreSQL at ${redact(target)} is unreachable (${unreachable}); benchmarking PGlite only.`;
    notes.push(note);
    log(note);
    return;
  }
  await scoped(async (scope) => {
    const db = await prepareDatabase(options.adminUrl, options.databaseUrl);
    scope.defer(async () => {
      await db.drop();
      if (db.created) log(`dropped ${redact(db.url)}`);
    });
    const serverDir = makeTempDir('archon72-bench-server-');
    scope.defer(() => serverDir.remove());
    const agentDir = makeTempDir('archon72-bench-agents-');
    scope.defer(() => agentDir.remove());
    log(`\nPostgreSQL: ${db.created ? 'fresh database' : 'given database'} ${redact(db.url)}`);
    const stack = await openBenchStack(serverDir.path, db.url, 'archon72 bench');
    scope.defer(() => stack.close());
    const signers = await provisionAgents(agentDir.path, options.agents, stack);
    await warmUp(stack, signers, 'postgresql');
    log('one process (one EventAppender, one pg pool):');
    await measureInProcess('postgresql', stack, signers);
    if (options.workers > 1) await measureMultiProcess(stack, signers, db.url, serverDir.path, agentDir.path);
    if (options.profile) {
      breakdowns.push(await profileBreakdown({ backend: 'postgresql', databaseUrl: db.url, ownDatabase: db.created, dataDir: serverDir.path, signers, events: options.events, concurrency: 64 }));
    }
    log('\nverifying the whole PostgreSQL log with verifyChain (src/app/verify-chain.ts)…');
    const t0 = performance.now();
    const report = await verifyChain(stack);
    const seconds = (performance.now() - t0) / 1000;
    const fault = report.fault && `${report.fault.code} at ${report.fault.sequence}: ${report.fault.message}`;
    verification = { events: report.verified, seconds, fault };
    log(fault ? `  FAULT: ${fault}` : `  OK: ${report.verified} events verified (sequence ${report.from}..${report.to}) in ${seconds.toFixed(1)} s`);
  });
}

/** Two (or --workers) processes on one database, each with concurrency / workers appenders and its share of the events. */
async function measureMultiProcess(stack: Stack, signers: AgentSigners, databaseUrl: string, dataDir: string, agentDir: string): Promise<void> {
  const n = options.workers;
  log(`\n${n} processes on one database (each its own EventAppender and pg pool, concurrency / ${n} each):`);
  await scoped(async (scope) => {
    const pool = await WorkerPool.start(n, { databaseUrl, dataDir, agentDir, agents: signers.agents, warmupEvents: Math.ceil(options.warmupEvents / n) });
    scope.defer(() => pool.close());
    for (const concurrency of options.concurrency.filter((c) => c >= n)) {
      for (const signing of options.signing) {
        await measureUntilQuiet({ backend: 'postgresql', processes: n, concurrency, signing }, stack, async (attempt) => {
          const run = `postgresql/${n}p/c${concurrency}/${signing}/${attempt}`;
          const meter = new CpuMeter(() => pool.pids, () => postgresPids(stack));
          const segment = async (offset: number, count: number) => {
            await pool.prepare(run, offset, count, concurrency, signing);
            return meter.measure(() => pool.go());
          };
          const load = signing === 'in-loop' ? await segment(0, options.events) : await runInSegments(options.events, segment);
          return { load, cpu: meter.percent(load.busyMs / 1000) };
        });
      }
    }
  });
}

async function benchPglite(): Promise<void> {
  await scoped(async (scope) => {
    const dataDir = makeTempDir('archon72-bench-pglite-');
    scope.defer(() => dataDir.remove());
    const agentDir = makeTempDir('archon72-bench-agents-');
    scope.defer(() => agentDir.remove());
    log(`\nPGlite on disk: ${dataDir.path}/pglite`);
    let stack: Stack | undefined = await openBenchStack(dataDir.path, undefined, 'archon72 bench');
    scope.defer(() => stack?.close());
    const signers = await provisionAgents(agentDir.path, options.agents, stack);
    await warmUp(stack, signers, 'pglite');
    await measureInProcess('pglite', stack, signers);
    if (options.profile) {
      // One process per PGlite directory (its lock): the profiling run opens its own stack.
      await stack.close();
      stack = undefined;
      breakdowns.push(await profileBreakdown({ backend: 'pglite', databaseUrl: undefined, ownDatabase: true, dataDir: dataDir.path, signers, events: options.events, concurrency: 64 }));
    }
  });
}

/** Appends (and discards the figures of) warm-up events: JIT, pool connections, plan caches, WAL files. */
async function warmUp(stack: Stack, signers: AgentSigners, backend: Backend): Promise<void> {
  if (options.warmupEvents === 0) return;
  const signed = await presign(signers, options.warmupEvents, `${backend}/warmup`);
  const load = await runLoad(stack.appender(), 64, options.warmupEvents, (i) => signed[i] as EventSubmission);
  log(`warm-up: ${load.events} events at c=64 in ${(load.busyMs / 1000).toFixed(2)} s (not reported)`);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

async function main(options: BenchOptions): Promise<void> {
  const machine = await collectMachineInfo(options.databaseUrl ?? options.adminUrl);
  log(machine.summary);
  log(`events per configuration: ${options.events}; warm-up: ${options.warmupEvents}; agents: ${options.agents}; concurrency: ${options.concurrency.join(', ')}`);
  if (options.backends.includes('postgresql')) await benchPostgres();
  if (options.backends.includes('pglite')) await benchPglite();
  log(formatResults(machine, records));
  log(formatVerdict(records));
  for (const b of breakdowns) log(`\n${b.text}`);
  for (const note of notes) log(note);
  mkdirSync(dirname(options.resultPath), { recursive: true });
  const result = { generatedAt: new Date().toISOString(), machine, options: { ...options, databaseUrl: options.databaseUrl && redact(options.databaseUrl) }, runs: records, verification, breakdowns, notes };
  writeFileSync(options.resultPath, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nwrote ${options.resultPath}`);
}

closeScopesOnSignal();
main(options).catch((err: unknown) => {
  if (wasInterrupted()) return; // the run was torn down under it; the signal handler sets the exit code
  process.stderr.write(`bench:append failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
