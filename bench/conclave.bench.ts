/**
 * `npm run bench:conclave`: wall time of a whole Conclave session, in process, as `archon72 conclave run` runs it
 * (src/cli/conclave.ts): 72 archons, 3 rounds, the simulated provider behind the same resilience wrapper and
 * defaults, every act signed by its archon's development key and appended through the real EventAppender, the
 * halt state read before each act. Each round opens a fresh embedded PGlite data directory (and, with --pg, a
 * fresh PostgreSQL database on 127.0.0.1:5432), migrates it and provisions the system keys (untimed), provisions
 * the 73 session keys (the archons and the clerk; timed, reported apart), then times the session from its
 * opening event to its adjournment. Every session must complete with a tally and replay cleanly from the log.
 * Options: `-- --rounds 3 --pg --seed bench --concurrency 8 --quiet-wait 60 --out bench/results/conclave-latest.json`.
 * A benchmark, not a test: it prints a table and writes JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { useNodeSha256 } from '../src/adapters/crypto/node-sha256.js';
import { loadRoster } from '../src/adapters/conclave/roster-file.js';
import { createSimulatedLlm } from '../src/adapters/llm/simulated-llm.js';
import { resilientLlm } from '../src/app/conclave/resilient-llm.js';
import { createSessionLog, type SessionLog } from '../src/app/conclave/session-log.js';
import { startSession, type ConclaveDeps } from '../src/app/conclave/run-session.js';
import { CLERK_ID } from '../src/domain/deliberation/session-events.js';
import { sessionResults } from '../src/domain/deliberation/results.js';
import { parseMotion } from '../src/domain/deliberation/motion.js';
import { openBenchStack, makeTempDir, postgresUnreachable, prepareDatabase } from './bench-stack.js';
import { BENCH_POSTGRES_PIDS_SQL, CpuMeter, waitForQuietMachine, type CpuSample } from './cpu-usage.js';
import { collectMachineInfo } from './machine-info.js';
import { DEFAULT_PG_ADMIN_URL } from './bench-options.js';
import { formatNumber, formatTable } from './format-table.js';
import { closeScopesOnSignal, scoped } from './bench-scope.js';
import { BUSY_MACHINE_PERCENT } from './results-report.js';
import type { LlmClient } from '../src/app/ports.js';
import type { Roster } from '../src/domain/deliberation/roster.js';
import type { Stack } from '../src/compose.js';

// As the CLI's entry does (src/cli/main.ts): the domain hashes with Node's native SHA-256.
useNodeSha256();

/** The brief's target: one 72-archon × 3-round simulated session, opening to adjournment, on 2 cores. */
const TARGET_SECONDS = 3;
const MOTION = parseMotion({ title: 'Adopt a quarterly witness rotation', text: 'The Conclave adopts a quarterly rotation of the witness pool.', kind: 'policy', proposer: 'ARCHON:bael' });
/** The CLI's resilience defaults (src/cli/conclave.ts withLlmOptions and buildLlm). */
const LLM_DEFAULTS = { timeoutMs: 30_000, retries: 2, baseDelayMs: 250, maxDelayMs: 10_000 };

type Backend = 'pglite' | 'postgresql';

interface Options {
  rounds: number;
  pg: boolean;
  seed: string;
  concurrency: number;
  /** Longest wait, in seconds, for a quiet machine before each round (0: do not wait). */
  quietWaitSeconds: number;
  adminUrl: string;
  out: string;
}

interface Measurement {
  backend: Backend;
  round: number;
  events: number;
  /** Generating and registering the 73 session keys (archons and clerk), before the session. */
  provisionSeconds: number;
  /** Opening event to adjournment (the session's own provisioning check excluded). */
  sessionSeconds: number;
  eventsPerSecond: number;
  /** Where the session's wall time went, in seconds (model calls overlap during the vote). */
  breakdown: { appendSeconds: number; haltCheckSeconds: number; modelSeconds: number };
  result: string;
  cpuPercent: CpuSample;
  /** CPU the session used (this process, plus PostgreSQL's for that backend): on a shared machine, its wall time when alone is about this or more. */
  cpuSeconds: number;
  loadAverage: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      pg: { type: 'boolean' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
      'quiet-wait': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const int = (name: string, text: string | undefined, fallback: number, min: number) => {
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${text}`);
    return n;
  };
  return {
    rounds: int('rounds', values.rounds, 3, 1),
    pg: values.pg === true,
    seed: values.seed ?? 'bench',
    concurrency: int('concurrency', values.concurrency, 8, 1),
    quietWaitSeconds: int('quiet-wait', values['quiet-wait'], 60, 0),
    adminUrl: process.env.ARCHON72_BENCH_PG_ADMIN_URL ?? DEFAULT_PG_ADMIN_URL,
    out: values.out ?? 'bench/results/conclave-latest.json',
  };
}

/** Adds the time spent inside `fn` to `into[key]` (ms). */
function timed<A extends unknown[], R>(fn: (...args: A) => Promise<R>, into: Record<string, number>, key: string): (...args: A) => Promise<R> {
  return async (...args) => {
    const t0 = performance.now();
    try {
      return await fn(...args);
    } finally {
      into[key] = (into[key] ?? 0) + performance.now() - t0;
    }
  };
}

/** The deps `archon72 conclave run` builds (runWithProgress), without the progress bar and live transcript, timed. */
function conclaveDeps(stack: Stack, roster: Roster, options: Options, spent: Record<string, number>): ConclaveDeps & { log: SessionLog } {
  const log = createSessionLog({ appender: stack.appender(), query: stack.eventQuery, clock: stack.clock, registry: stack.registry, custody: stack.custody(), keys: stack.keys });
  const llm: LlmClient = resilientLlm(createSimulatedLlm(), { ...LLM_DEFAULTS, maxConcurrency: options.concurrency });
  return {
    roster,
    llm: { complete: timed(llm.complete.bind(llm), spent, 'model') },
    log: { append: timed(log.append, spent, 'append'), read: log.read, provision: timed(log.provision, spent, 'provision') },
    halt: { writable: timed(async () => !(await stack.haltState.read()).halted, spent, 'halt') },
    haltPollMs: stack.config.haltPollMs,
  };
}

async function measureRound(backend: Backend, round: number, roster: Roster, options: Options): Promise<Measurement> {
  return scoped(async (scope) => {
    const temp = makeTempDir('archon72-bench-conclave-');
    scope.defer(() => temp.remove());
    const database = backend === 'postgresql' ? await prepareDatabase(options.adminUrl, undefined) : undefined;
    if (database !== undefined) scope.defer(() => database.drop());
    const stack = await openBenchStack(join(temp.path, 'data'), database?.url, 'bench conclave');
    scope.defer(() => stack.close());
    const spent: Record<string, number> = {};
    const deps = conclaveDeps(stack, roster, options, spent);
    const t0 = performance.now();
    await deps.log.provision([CLERK_ID, ...roster.archons.map((a) => a.id)]);
    const provisionSeconds = (performance.now() - t0) / 1000;
    for (const key of Object.keys(spent)) delete spent[key];

    const meter = new CpuMeter(
      () => [process.pid],
      async () => (stack.client.backend === 'postgresql' ? (await stack.client.query<{ pid: number }>(BENCH_POSTGRES_PIDS_SQL)).map((r) => r.pid) : []),
    );
    const started = performance.now();
    const outcome = await meter.measure(() => startSession(deps, { motion: MOTION, rules: { rounds: 3, validateVotes: false }, provider: 'simulated', seed: options.seed }));
    const sessionSeconds = (performance.now() - started - (spent.provision ?? 0)) / 1000;

    // Every figure is for a complete session that replays from the log.
    const stored = await deps.log.read(outcome.sessionId);
    const results = sessionResults(stored);
    if (outcome.tally === undefined || results.status !== 'adjourned' || stored.length !== outcome.events) {
      throw new Error(`the session did not complete: ${JSON.stringify({ reason: outcome.reason, events: outcome.events, stored: stored.length })}`);
    }
    const t = outcome.tally;
    const cpuPercent = meter.percent(sessionSeconds);
    return {
      backend,
      round,
      events: outcome.events,
      provisionSeconds,
      sessionSeconds,
      eventsPerSecond: outcome.events / sessionSeconds,
      breakdown: { appendSeconds: (spent.append ?? 0) / 1000, haltCheckSeconds: (spent.halt ?? 0) / 1000, modelSeconds: (spent.model ?? 0) / 1000 },
      result: `${t.passed ? 'PASSED' : 'FAILED'} ${t.aye}/${t.nay}/${t.abstain}/${t.unparseable}`,
      cpuPercent,
      cpuSeconds: ((cpuPercent.node + cpuPercent.postgres) / 100) * sessionSeconds,
      loadAverage: loadavg()[0] ?? 0,
    };
  });
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  closeScopesOnSignal();
  const machine = await collectMachineInfo(options.adminUrl);
  log(machine.summary);
  log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${machine.cores} cores)`);
  const backends: Backend[] = ['pglite'];
  if (options.pg) {
    const why = await postgresUnreachable(options.adminUrl);
    if (why !== undefined) throw new Error(`--pg: PostgreSQL at ${options.adminUrl} is unreachable: ${why}`);
    backends.push('postgresql');
  }
  const roster = loadRoster();
  const rows: Measurement[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const backend of backends) {
      // Other people's test runs share the machine: wait for a quiet moment (bounded); `other %` shows what ran anyway.
      const quiet = options.quietWaitSeconds === 0 ? true : await waitForQuietMachine(25, options.quietWaitSeconds * 1000);
      const m = await measureRound(backend, round, roster, options);
      rows.push(m);
      log(
        `  round ${round} ${backend.padEnd(10)}: ${m.events} events in ${m.sessionSeconds.toFixed(2)} s = ${formatNumber(m.eventsPerSecond)} events/s ` +
          `(keys ${m.provisionSeconds.toFixed(2)} s; append ${m.breakdown.appendSeconds.toFixed(2)} s, halt checks ${m.breakdown.haltCheckSeconds.toFixed(2)} s; ` +
          `cpu ${m.cpuPercent.node.toFixed(0)} %${backend === 'postgresql' ? ` + pg ${m.cpuPercent.postgres.toFixed(0)} %` : ''} = ${m.cpuSeconds.toFixed(2)} cpu-s, other ${m.cpuPercent.other.toFixed(0)} %${quiet ? '' : ', machine never quiet'}) ${m.result}`,
      );
    }
  }
  const summaries = backends.map((backend) => {
    const mine = rows.filter((r) => r.backend === backend);
    const best = mine.slice().sort((a, b) => a.sessionSeconds - b.sessionSeconds)[0] as Measurement;
    return { backend, best, medianSeconds: median(mine.map((r) => r.sessionSeconds)), met: best.sessionSeconds < TARGET_SECONDS, busy: best.cpuPercent.other > BUSY_MACHINE_PERCENT };
  });
  log(
    `\n${formatTable(
      ['backend', 'events', 'keys s', 'best session s', 'median s', 'events/s (best)', 'append s', 'halt checks s', 'cpu % (best)', 'cpu-s (best)', 'other cpu %'],
      summaries.map(({ backend, best, medianSeconds, busy }) => [
        backend,
        String(best.events),
        formatNumber(best.provisionSeconds, 2),
        `${formatNumber(best.sessionSeconds, 2)}${busy ? '*' : ''}`,
        formatNumber(medianSeconds, 2),
        formatNumber(best.eventsPerSecond),
        formatNumber(best.breakdown.appendSeconds, 2),
        formatNumber(best.breakdown.haltCheckSeconds, 2),
        formatNumber(best.cpuPercent.node + best.cpuPercent.postgres),
        formatNumber(best.cpuSeconds, 2),
        formatNumber(best.cpuPercent.other),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    )}`,
  );
  if (summaries.some((s) => s.busy)) log(`* other processes used more than ${BUSY_MACHINE_PERCENT} % of a core during the best run: the machine was shared, the figure is high and noisy.`);
  const verdicts = summaries.map((s) => ({ backend: s.backend, targetSeconds: TARGET_SECONDS, bestSeconds: s.best.sessionSeconds, medianSeconds: s.medianSeconds, met: s.met }));
  for (const v of verdicts) {
    log(`target ${v.backend}: a 72-archon × 3-round simulated session in < ${TARGET_SECONDS} s on ${machine.cores} cores: ${v.met ? 'met' : 'NOT met'}, best ${v.bestSeconds.toFixed(2)} s (median ${v.medianSeconds.toFixed(2)} s)`);
  }
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, loadAverageAtStart: loadavg(), options, runs: rows, verdicts }, null, 2)}\n`);
  log(`wrote ${options.out}`);
}

await main();
