import { setTimeout as sleep } from 'node:timers/promises';
import { openStack } from '../src/compose.js';
import { systemClock } from '../src/adapters/system-clock.js';
import { Keyring } from '../src/domain/signing/keyring.js';
import { benchConfig, adminQuery } from './bench-stack.js';
import { presign, type AgentSigners } from './bench-agents.js';
import { runLoad } from './run-load.js';
import { createInstrumentedAppender, emptyStageTimes, type StageTimes } from './instrumented-appender.js';
import { startCpuProfile, summariseProfile, type ProfileSummary } from './cpu-profile.js';
import { measureMicroCosts, type MicroCosts } from './micro-costs.js';
import { BENCH_POSTGRES_PIDS_SQL, CpuMeter, type CpuSample } from './cpu-usage.js';
import { formatTable, formatNumber } from './format-table.js';
import type { EventSubmission } from '../src/domain/chain/event.types.js';

/** Where the time of one instrumented run went, for the report and the JSON result. */
export interface Breakdown {
  backend: 'postgresql' | 'pglite';
  concurrency: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  stages: StageTimes;
  /** Distribution of committed batch sizes (the per-transaction list is left out of the JSON). */
  batchSizes: string;
  triggers: Array<{ name: string; calls: number; selfUsPerEvent: number }>;
  cpuPercent: CpuSample;
  profile: ProfileSummary;
  microCosts: MicroCosts;
  text: string;
}

export interface BreakdownOptions {
  backend: 'postgresql' | 'pglite';
  databaseUrl: string | undefined;
  /** True when the benchmark created the database, so switching on function statistics there is harmless. */
  ownDatabase: boolean;
  dataDir: string;
  signers: AgentSigners;
  events: number;
  concurrency: number;
}

/**
 * One extra run through a real EventAppender whose ports carry timers, with the V8 sampling profiler on and,
 * on a database the benchmark owns, PostgreSQL function statistics (track_functions = pl) for the triggers.
 * Its throughput is reported but is lower than the clean runs: timers and the profiler cost time.
 */
export async function profileBreakdown(o: BreakdownOptions): Promise<Breakdown> {
  const dbName = o.databaseUrl && o.ownDatabase ? await enableFunctionStats(o.databaseUrl) : undefined;
  const stack = await openStack(benchConfig(o.dataDir, o.databaseUrl), 'archon72 bench profile', { custody: true });
  const times = emptyStageTimes();
  try {
    if (o.backend === 'pglite') await stack.client.exec(`SET track_functions = 'pl'; SELECT pg_stat_reset();`);
    const appender = createInstrumentedAppender(stack.client, stack.registry, stack.custody(), times);
    const subs = await presign(o.signers, o.events, `${o.backend}/profile`);
    const meter = new CpuMeter(
      () => [process.pid],
      async () => (o.backend === 'postgresql' ? (await stack.client.query<{ pid: number }>(BENCH_POSTGRES_PIDS_SQL)).map((r) => r.pid) : []),
    );
    const stopProfile = await startCpuProfile();
    const load = await meter.measure(() => runLoad(appender, o.concurrency, o.events, (i) => subs[i] as EventSubmission));
    const profile = summariseProfile(await stopProfile());
    const seconds = load.busyMs / 1000;
    const cpu = meter.percent(seconds);
    const keyring = new Keyring(await stack.registry.listKeys());
    const microCosts = await measureMicroCosts(subs.slice(0, 5_000), keyring, stack.custody(), systemClock.now());
    if (o.backend === 'pglite') await stack.client.query('SELECT pg_stat_force_next_flush()');
    const triggers = o.backend === 'pglite' ? await readFunctionStats((sql) => stack.client.query(sql), o.events) : [];
    await stack.close();
    if (dbName && o.databaseUrl) {
      await sleep(1_500); // exiting backends flush their statistics asynchronously
      triggers.push(...(await readFunctionStats((sql) => adminQuery(o.databaseUrl as string, sql), o.events)));
    }
    const result = { backend: o.backend, concurrency: o.concurrency, events: o.events, seconds, eventsPerSecond: o.events / seconds, stages: times, triggers, cpuPercent: cpu, profile, microCosts };
    const text = describeBreakdown(result);
    // The JSON keeps the batch-size summary, not one number per transaction.
    return { ...result, stages: { ...times, batchSizes: [] }, batchSizes: describeBatches(times.batchSizes), text };
  } finally {
    await stack.close().catch(() => undefined);
    if (dbName && o.databaseUrl) await adminQuery(o.databaseUrl, `ALTER DATABASE "${dbName}" RESET track_functions`);
  }
}

async function enableFunctionStats(url: string): Promise<string> {
  const [row] = await adminQuery<{ name: string }>(url, 'SELECT current_database() AS name');
  const name = row?.name as string;
  await adminQuery(url, `ALTER DATABASE "${name}" SET track_functions = 'pl'`);
  await adminQuery(url, 'SELECT pg_stat_reset()');
  return name;
}

async function readFunctionStats(query: (sql: string) => Promise<Array<Record<string, unknown>>>, events: number) {
  const rows = await query(`SELECT funcname, calls, self_time FROM pg_stat_user_functions ORDER BY self_time DESC`);
  return rows.map((r) => ({ name: String(r.funcname), calls: Number(r.calls), selfUsPerEvent: (Number(r.self_time) * 1000) / events }));
}

/** "p10 1, p50 33, p90 63; 41% of transactions carried one event" */
function describeBatches(sizes: number[]): string {
  if (sizes.length === 0) return 'none';
  const sorted = [...sizes].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const singles = sizes.filter((n) => n === 1).length;
  return `p10 ${at(10)}, p50 ${at(50)}, p90 ${at(90)}; ${((100 * singles) / sizes.length).toFixed(0)}% of transactions carried a single event; first 12: ${sizes.slice(0, 12).join(' ')}`;
}

function describeBreakdown(b: Omit<Breakdown, 'text' | 'batchSizes'>): string {
  const s = b.stages;
  const us = (ms: number) => formatNumber((ms * 1000) / b.events, 1);
  const share = (ms: number) => `${((100 * ms) / (b.seconds * 1000)).toFixed(0)}%`;
  const rows: string[][] = [
    ['append(): agent signature verify (sodium), before queueing', us(s.agentVerify), share(s.agentVerify)],
    ['transaction start until the lock is granted (connection, BEGIN, SET TRANSACTION, lock wait)', us(s.beforeLock), share(s.beforeLock)],
    ['under the lock: head + database clock round trip', us(s.head), share(s.head)],
    ['under the lock: witness keys round trip', us(s.witnessKeys), share(s.witnessKeys)],
    ['under the lock: build (place, JCS, SHA-256, witness select + sign)', us(s.build), share(s.build)],
    ['  of which witness signing (custody)', us(s.witnessSign), share(s.witnessSign)],
    ['under the lock: INSERT … unnest (driver + triggers + indexes)', us(s.insert), share(s.insert)],
    ['under the lock: COMMIT (WAL flush) until the transaction resolved', us(s.commit), share(s.commit)],
    ['lock held, total (the serial section: one transaction at a time)', us(s.lockHeld), share(s.lockHeld)],
    ['transactions, total (overlapping ones both count)', us(s.transaction), share(s.transaction)],
  ];
  const lines = [
    `Time breakdown: ${b.backend}, 1 process, c=${b.concurrency}, ${b.events} pre-signed events. Instrumented run (timers + sampling profiler on): ` +
      `${formatNumber(b.eventsPerSecond)} events/s in ${b.seconds.toFixed(2)} s; ${s.transactions} transactions, mean batch ${(s.events / s.transactions).toFixed(1)}, max ${s.maxBatch}.`,
    `CPU during the run: node ${b.cpuPercent.node.toFixed(0)}% of a core${b.backend === 'postgresql' ? `, postgres ${b.cpuPercent.postgres.toFixed(0)}%` : ' (the database runs inside node)'}, other processes ${b.cpuPercent.other.toFixed(0)}%.`,
    `Batch sizes: ${describeBatches(s.batchSizes)}.`,
    formatTable(['stage (summed over the run)', 'µs/event', '% of wall'], rows, ['left', 'right', 'right']),
    `The lock is held ${share(s.lockHeld)} of the time: one process cannot exceed 1 / (lock held per event) = ${formatNumber(1e6 / ((s.lockHeld * 1000) / b.events))} events/s ` +
      'with these costs, and neither can several processes on one database, since they share the lock.',
  ];
  if (b.triggers.length > 0) {
    lines.push('Server side, pg_stat_user_functions self time (trigger functions):');
    lines.push(formatTable(['function', 'calls', 'µs/event'], b.triggers.map((t) => [t.name, String(t.calls), formatNumber(t.selfUsPerEvent, 1)]), ['left', 'right', 'right']));
  }
  lines.push(`Node CPU profile (V8 sampling, as node --cpu-prof), self time by category of ${formatNumber(b.profile.totalMs)} ms:`);
  lines.push(formatTable(['category', 'ms', 'share'], b.profile.categories.map((c) => [c.name, formatNumber(c.ms), `${(100 * c.share).toFixed(1)}%`]), ['left', 'right', 'right']));
  lines.push('Heaviest functions (self time):');
  lines.push(formatTable(['function', 'ms', 'share'], b.profile.topFunctions.map((c) => [c.name, formatNumber(c.ms), `${(100 * c.share).toFixed(1)}%`]), ['left', 'right', 'right']));
  lines.push('Isolated CPU cost of each step (µs per event, single-threaded loop over the same submissions):');
  lines.push(formatTable(['step', 'µs'], Object.entries(b.microCosts).map(([k, v]) => [k, v.toFixed(1)]), ['left', 'right']));
  return lines.join('\n');
}

