/**
 * `npm run evidence`: the load, fault and bad-input evidence of issue 9, written to docs/evidence/RESULTS.md (with an
 * SVG chart and the raw figures in results.json) from a real run on this machine. Every area checks its invariants;
 * the run exits 1 when any broke, so a release can be gated on it. `-- --quick` is a short run for development,
 * written to a temporary directory; `-- --help` lists the options.
 */
import { execFileSync } from 'node:child_process';
import { closeScopesOnSignal, wasInterrupted } from '../bench-scope.js';
import { postgresUnreachable } from '../bench-stack.js';
import { redisBinariesUnavailableReason } from '../../test/support/redis-process.js';
import { parseEvidenceOptions, type EvidenceOptions } from './evidence-options.js';
import { InvariantLog } from './invariants.js';
import { progress } from './progress.js';
import { runLoadArea, type LoadReport } from './load/load-area.js';
import { runFaultArea, type FaultReport } from './faults/fault-area.js';
import { runFuzzArea, type FuzzReport } from './fuzz/fuzz-area.js';
import { collectEvidenceMachine } from './report/evidence-machine.js';
import { writeEvidence } from './report/write-evidence.js';

/** Fails early, before anything is measured, when a service the areas need is missing; builds dist/ for the server processes. */
async function checkServices(options: EvidenceOptions): Promise<void> {
  // Every area runs server processes on PostgreSQL (the fuzz area one, to fuzz over a real socket).
  const pgDown = await postgresUnreachable(options.pgAdminUrl);
  if (pgDown !== undefined) throw new Error(`PostgreSQL at ${options.pgAdminUrl} is unreachable: ${pgDown}`);
  const redisMissing = options.areas.some((a) => a === 'load' || a === 'faults') ? redisBinariesUnavailableReason() : undefined;
  if (redisMissing !== undefined) throw new Error(redisMissing);
  progress('building dist/ (the API processes run bin/archon72.js)…');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

async function main(): Promise<number> {
  let options: EvidenceOptions;
  try {
    options = parseEvidenceOptions(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`evidence: ${(err as Error).message} (see --help)\n`);
    return 2;
  }
  closeScopesOnSignal();
  const startedAt = new Date();
  const invariants = new InvariantLog();
  await checkServices(options);
  const machine = await collectEvidenceMachine(options.pgAdminUrl);
  progress(`${machine.summary}\nareas: ${options.areas.join(', ')}; levels ${options.levels.join(', ')}; ${options.seconds} s per level${options.quick ? ' (quick)' : ''}`);
  let load: LoadReport | undefined;
  let faults: FaultReport | undefined;
  let fuzz: FuzzReport | undefined;
  for (const area of options.areas) {
    progress(`── ${area} ──`);
    try {
      if (area === 'load') load = await runLoadArea(options, invariants);
      if (area === 'faults') faults = await runFaultArea(options, invariants);
      if (area === 'fuzz') fuzz = await runFuzzArea(options, invariants);
    } catch (err) {
      if (wasInterrupted()) return 130;
      invariants.crashed(area, err);
    }
  }
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const written = writeEvidence({ options, machine, startedAt, seconds, invariants: invariants.outcomes, load, faults, fuzz });
  const failures = invariants.failures;
  progress(`${invariants.outcomes.length} invariants checked in ${(seconds / 60).toFixed(1)} min, ${failures.length} broken; wrote ${written.join(', ')}`);
  for (const f of failures) process.stdout.write(`  BROKEN [${f.area}] ${f.name}: ${f.observed}\n`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`evidence failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
