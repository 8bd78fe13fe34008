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
import { percentile, runLoad, type LoadResult } from './run-load.js';
import { takeCensus, describeCensus, type ChainCensus } from './chain-census.js';
import { sampleCpu, cpuPercent, type CpuSample } from './cpu-usage.js';
import { WorkerPool } from './worker-pool.js';
import { collectMachineInfo, type MachineInfo } from './machine-info.js';
import { formatNumber, formatTable } from './format-table.js';
import { profileBreakdown, type Breakdown } from './profile-breakdown.js';
import type { Stack } from '../src/compose.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';

type Backend = 'postgresql' | 'pglite';

/** One measured configuration, as printed and as written to JSON. */
interface RunRecord {
  backend: Backend;
  processes: number;
  concurrency: number;
  signing: SigningMode;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Share of one core used during the run (100 = one core); for PGlite the database runs inside `node`. */
  cpuPercent: CpuSample;
  census: ChainCensus | undefined;
}

const options = parseBenchOptions(process.argv.slice(2), process.env);
const records: RunRecord[] = [];
const notes: string[] = [];
const breakdowns: Breakdown[] = [];
let verification: { events: number; seconds: number; fault: string | undefined } | undefined;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Turns a load result into a record and prints its one-line summary. */
function record(base: Pick<RunRecord, 'backend' | 'processes' | 'concurrency' | 'signing'>, load: LoadResult, cpu: CpuSample, census?: ChainCensus): RunRecord {
  const seconds = (load.endedAt - load.startedAt) / 1000;
  const sorted = load.latenciesMs.slice().sort();
  const r: RunRecord = { ...base, events: load.events, seconds, eventsPerSecond: load.events / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), cpuPercent: cpu, census };
  records.push(r);
  log(
    `  ${r.backend} ${r.processes}p c=${r.concurrency} ${r.signing}: ${r.events} events in ${r.seconds.toFixed(2)} s = ${formatNumber(r.eventsPerSecond)} events/s, ` +
      `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, cpu node ${cpu.node.toFixed(0)}% postgres ${cpu.postgres.toFixed(0)}%`,
  );
  if (census) log(`    chain after run: ${describeCensus(census)}`);
  return r;
}

/** The source of the i-th submission: pre-signed before the timer starts, or signed inside the timed loop. */
async function submissions(signers: AgentSigners, signing: SigningMode, events: number, run: string) {
  if (signing === 'in-loop') return (i: number) => signers.sign(i, run);
  const signed = await presign(signers, events, run);
  return (i: number) => signed[i] as EventSubmission;
}

/** Measures every concurrency × signing mode in this process on `stack`. */
async function measureInProcess(backend: Backend, stack: Stack, signers: AgentSigners): Promise<void> {
  const appender = stack.appender();
  for (const concurrency of options.concurrency) {
    for (const signing of options.signing) {
      const run = `${backend}/1p/c${concurrency}/${signing}`;
      const next = await submissions(signers, signing, options.events, run);
      const before = sampleCpu([process.pid]);
      const load = await runLoad(appender, concurrency, options.events, next);
      const cpu = cpuPercent(before, sampleCpu([process.pid]), (load.endedAt - load.startedAt) / 1000);
      const census = await takeCensus(stack.client);
      record({ backend, processes: 1, concurrency, signing }, load, cpu, census);
    }
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
  const db = await prepareDatabase(options.adminUrl, options.databaseUrl);
  const serverDir = makeTempDir('archon72-bench-server-');
  const agentDir = makeTempDir('archon72-bench-agents-');
  log(`\nPostgreSQL: ${db.created ? 'fresh database' : 'given database'} ${redact(db.url)}`);
  let stack: Stack | undefined;
  try {
    stack = await openBenchStack(serverDir.path, db.url, 'archon72 bench');
    const signers = await provisionAgents(agentDir.path, options.agents, stack);
    await warmUp(stack, signers, 'postgresql');
    log('one process (one EventAppender, one pg pool):');
    await measureInProcess('postgresql', stack, signers);
    if (options.workers > 1) await measureMultiProcess(stack, signers, db.url, serverDir.path, agentDir.path);
    log('\nverifying the whole PostgreSQL log with verifyChain (src/app/verify-chain.ts)…');
    const t0 = performance.now();
    const report = await verifyChain(stack);
    const seconds = (performance.now() - t0) / 1000;
    const fault = report.fault && `${report.fault.code} at ${report.fault.sequence}: ${report.fault.message}`;
    verification = { events: report.verified, seconds, fault };
    log(fault ? `  FAULT: ${fault}` : `  OK: ${report.verified} events verified (sequence ${report.from}..${report.to}) in ${seconds.toFixed(1)} s`);
    if (options.profile) breakdowns.push(await profileBreakdown({ backend: 'postgresql', databaseUrl: db.url, dataDir: serverDir.path, signers, events: options.events, concurrency: 64 }));
  } finally {
    await stack?.close();
    await db.drop();
    serverDir.remove();
    agentDir.remove();
    if (db.created) log(`dropped ${redact(db.url)}`);
  }
}

/** Two (or --workers) processes on one database, each with half the concurrency and half the events. */
async function measureMultiProcess(stack: Stack, signers: AgentSigners, databaseUrl: string, dataDir: string, agentDir: string): Promise<void> {
  const n = options.workers;
  log(`\n${n} processes on one database (each its own EventAppender and pg pool, concurrency / ${n} each):`);
  const pool = await WorkerPool.start(n, { databaseUrl, dataDir, agentDir, agents: signers.agents, warmupEvents: Math.ceil(options.warmupEvents / n) });
  try {
    for (const concurrency of options.concurrency.filter((c) => c >= n)) {
      for (const signing of options.signing) {
        let before: CpuSample = { node: 0, postgres: 0 };
        const load = await pool.run(`postgresql/${n}p/c${concurrency}/${signing}`, options.events, concurrency, signing, () => {
          before = sampleCpu(pool.pids);
        });
        const cpu = cpuPercent(before, sampleCpu(pool.pids), (load.endedAt - load.startedAt) / 1000);
        record({ backend: 'postgresql', processes: n, concurrency, signing }, load, cpu, await takeCensus(stack.client));
      }
    }
  } finally {
    await pool.close();
  }
}

async function benchPglite(): Promise<void> {
  const dataDir = makeTempDir('archon72-bench-pglite-');
  const agentDir = makeTempDir('archon72-bench-agents-');
  log(`\nPGlite on disk: ${dataDir.path}/pglite`);
  let stack: Stack | undefined;
  try {
    stack = await openBenchStack(dataDir.path, undefined, 'archon72 bench');
    const signers = await provisionAgents(agentDir.path, options.agents, stack);
    await warmUp(stack, signers, 'pglite');
    await measureInProcess('pglite', stack, signers);
    if (options.profile) {
      await stack.close();
      stack = undefined;
      breakdowns.push(await profileBreakdown({ backend: 'pglite', databaseUrl: undefined, dataDir: dataDir.path, signers, events: options.events, concurrency: 64 }));
    }
  } finally {
    await stack?.close();
    dataDir.remove();
    agentDir.remove();
  }
}

/** Appends (and discards the figures of) warm-up events: JIT, pool connections, plan caches, WAL files. */
async function warmUp(stack: Stack, signers: AgentSigners, backend: Backend): Promise<void> {
  if (options.warmupEvents === 0) return;
  const next = await submissions(signers, 'presigned', options.warmupEvents, `${backend}/warmup`);
  const load = await runLoad(stack.appender(), 64, options.warmupEvents, next);
  log(`warm-up: ${load.events} events at c=64 in ${((load.endedAt - load.startedAt) / 1000).toFixed(2)} s (not reported)`);
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

function printTable(machine: MachineInfo): void {
  const headers = ['backend', 'processes', 'concurrency', 'agent signing', 'events', 'seconds', 'events/s', 'p50 ms', 'p99 ms', 'cpu node %', 'cpu pg %'];
  const rows = records.map((r) => [
    r.backend,
    String(r.processes),
    String(r.concurrency),
    r.signing === 'presigned' ? 'before timing' : 'in timed loop',
    String(r.events),
    r.seconds.toFixed(2),
    formatNumber(r.eventsPerSecond),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.cpuPercent.node.toFixed(0),
    r.backend === 'pglite' ? '(in node)' : r.cpuPercent.postgres.toFixed(0),
  ]);
  log(`\n${machine.summary}`);
  log('Agent signing "before timing": agents sign their submissions before the timer starts (as separate agent processes would);');
  log('"in timed loop": the same signing runs inside the timed section, on this machine\'s CPUs. Latency is append() to commit in both.');
  log(formatTable(headers, rows, ['left', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right']));
}

async function main(options: BenchOptions): Promise<void> {
  const machine = await collectMachineInfo(options.databaseUrl ?? options.adminUrl);
  log(machine.summary);
  log(`events per configuration: ${options.events}; warm-up: ${options.warmupEvents}; agents: ${options.agents}; concurrency: ${options.concurrency.join(', ')}`);
  if (options.backends.includes('postgresql')) await benchPostgres();
  if (options.backends.includes('pglite')) await benchPglite();
  printTable(machine);
  for (const b of breakdowns) log(`\n${b.text}`);
  for (const note of notes) log(note);
  mkdirSync(dirname(options.resultPath), { recursive: true });
  const result = { generatedAt: new Date().toISOString(), machine, options: { ...options, databaseUrl: options.databaseUrl && redact(options.databaseUrl) }, runs: records, verification, breakdowns, notes };
  writeFileSync(options.resultPath, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nwrote ${options.resultPath}`);
}

main(options).catch((err: unknown) => {
  process.stderr.write(`bench:append failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
