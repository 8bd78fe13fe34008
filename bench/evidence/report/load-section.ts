import { markdownTable, num } from './markdown-table.js';
import type { LoadReport } from '../load/load-area.js';
import type { LevelResult, SystemName } from '../load/workload.js';

/** What each system does per append: the fairness statement of the comparison. */
const PER_APPEND: Array<[SystemName, string]> = [
  ['archon72 HTTP, 1 process', 'POST /v1/events to `archon72 serve` (Fastify, JSON schema validation, halt gate, submission window), agent Ed25519 signature verified, key checked at authority time, witness selected and its Ed25519 signature made (development custody, libsodium), content hash and hash chain, group commit (concurrent appends share one transaction under the append lock), in PostgreSQL four PL/pgSQL row triggers (chain link, signature format and key window, witness attribution, clock drift) and two statement triggers (witness-pool floor, refusal while halted), the primary key, two unique constraints and five more indexes; Merkle tree and checkpoints kept by the server meanwhile; 201 with the stored event'],
  ['archon72 HTTP, 3 processes', 'the same through three `archon72 serve` processes on one database (writer w posts to process w mod 3); every append of every process takes the one append lock'],
  ['archon72 EventAppender, in process', 'the same `EventAppender.submit` the server calls, in the harness process: everything above but HTTP, Fastify and the halt gate'],
  ['Emmett PostgreSQL event store', '`appendToStream` of `@event-driven-io/emmett-postgresql` in its own Node process (no HTTP): one event per call, one transaction per call running Emmett\'s `emt_append_to_stream` (stream row insert/update, message insert with a global position); each writer appends to a stream of its own, no expected version; no signature, no hash chain, no witness'],
  ['bare batched INSERT', 'the same payloads as `jsonb` in a table with an identity key and no other index or trigger, written by the same group commit as ours (concurrent appends share one multi-row INSERT, up to 1,024 rows, 2 statements in flight, pool of 20): the floor of what this PostgreSQL can do'],
];

const OURS: SystemName[] = ['archon72 HTTP, 1 process', 'archon72 HTTP, 3 processes', 'archon72 EventAppender, in process'];

function find(results: LevelResult[], system: SystemName, writers: number): LevelResult | undefined {
  return results.find((r) => r.system === system && r.writers === writers);
}

/** Other processes' CPU (% of one core) above which a row is marked as measured on a busy machine. */
const BUSY_PERCENT = 25;

function resultsTable(results: LevelResult[]): string {
  return markdownTable(
    ['system', 'writers', 'appends/s', 'p50 ms', 'p99 ms', 'appends', 'CPU node / PostgreSQL / other (% of one core)'],
    results.map((r) => [r.system, String(r.writers), `${num(r.appendsPerSecond)}${r.cpu.other > BUSY_PERCENT ? ' *' : ''}`, num(r.p50Ms, 1), num(r.p99Ms, 1), num(r.events), `${num(r.cpu.node)} / ${num(r.cpu.postgres)} / ${num(r.cpu.other)}`]),
    [false, true, true, true, true, true, true],
  );
}

function ratioTable(report: LoadReport): string {
  const rows = report.levels.map((w) => {
    const base = (system: SystemName) => find(report.results, system, w)?.appendsPerSecond ?? Number.NaN;
    const ratio = (a: SystemName, b: SystemName) => num(base(a) / base(b), 2);
    return [String(w), ...OURS.flatMap((o) => [ratio(o, 'Emmett PostgreSQL event store'), ratio(o, 'bare batched INSERT')]), ratio('Emmett PostgreSQL event store', 'bare batched INSERT')];
  });
  return markdownTable(['writers', 'HTTP 1p ÷ Emmett', 'HTTP 1p ÷ bare', 'HTTP 3p ÷ Emmett', 'HTTP 3p ÷ bare', 'in process ÷ Emmett', 'in process ÷ bare', 'Emmett ÷ bare'], rows, rows[0]?.map(() => true) ?? []);
}

/** The load section of RESULTS.md: what each system does, the figures, the ratios, the chart, the log check. */
export function loadSection(report: LoadReport, chartFile: string): string {
  return `## Load

Closed-loop writers: each sends its next append the moment the previous one was acknowledged, for ${report.seconds} s per
level (after an unreported warm-up per system), at ${report.levels.join(', ')} concurrent writers. Latency is per
append, from the call to its acknowledgement (for HTTP, the 201), as seen by the writer. All systems store the same
~300-byte JSON payload, on the same PostgreSQL server (a fresh database each, dropped afterwards). Our agents sign
their submissions before each timed segment of 2 s (agents sign on their own machines; the segments keep every event
within the 5 s clock-drift threshold). The HTTP client (keep-alive \`node:http\`), the servers, PostgreSQL and Redis
share the machine's cores; "other" CPU is everything else the machine ran meanwhile.

What each system does per append:

${PER_APPEND.map(([name, what]) => `- **${name}**: ${what}.`).join('\n')}

![appends/s against concurrent writers](${chartFile})

${resultsTable(report.results)}
${report.results.some((r) => r.cpu.other > BUSY_PERCENT) ? `\n\\* other processes used more than ${BUSY_PERCENT} % of a core during the measurement: the machine was shared.\n` : ''}
Ratios of appends/s at the same number of writers (above 1: the first is faster):

${ratioTable(report)}

Our log afterwards: ${report.census.count.toLocaleString('en-US')} events, ${report.census.gapless ? 'gapless' : 'NOT gapless'}, ${report.census.driftWarnings} clock-drift warnings;
\`archon72 ${report.verifyDb.args.join(' ')}\` over all of it: ${report.verifyDb.ok ? 'passed' : 'FAILED'} in ${report.verifyDb.seconds.toFixed(1)} s (\`${report.verifyDb.summary}\`).
Emmett ${report.emmettVersion} ran from its own package, \`bench/evidence/emmett\` (installed with \`npm ci\` on first use).
`;
}
