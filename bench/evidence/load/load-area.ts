import { scoped } from '../../bench-scope.js';
import { makeTempDir, prepareDatabase } from '../../bench-stack.js';
import { describeCensus } from '../../chain-census.js';
import { waitForQuietMachine } from '../../cpu-usage.js';
import { startRedisProcess } from '../../../test/support/redis-process.js';
import { progress } from '../progress.js';
import { checkAcknowledged, censusOf, postgresPidsOf, runVerifyDb, type VerifyDbOutcome } from '../log-checks.js';
import { openOursStack } from '../ours-stack.js';
import { measureHttp, type AckLedger } from './load-http.js';
import { measureAppender } from './load-appender.js';
import { ensureEmmettInstalled, measureEmmett } from './load-emmett.js';
import { measureBareInsert } from './load-bare-insert.js';
import type { InvariantLog } from '../invariants.js';
import type { LevelResult } from './workload.js';
import type { ChainCensus } from '../../chain-census.js';

const AREA = 'load';
/** Other processes' share of all cores (%) below which the machine counts as quiet. */
const QUIET_PERCENT = 15;

/** What the load area measured, for the report. */
export interface LoadReport {
  levels: number[];
  seconds: number;
  results: LevelResult[];
  emmettVersion: string;
  census: ChainCensus;
  verifyDb: VerifyDbOutcome;
}

/** The level results with no failed append; records one invariant per system. */
function checkNoFailures(invariants: InvariantLog, results: LevelResult[]): void {
  for (const system of new Set(results.map((r) => r.system))) {
    const failed = results.filter((r) => r.system === system && Object.keys(r.failures).length > 0);
    const total = results.filter((r) => r.system === system).reduce((n, r) => n + r.events, 0);
    invariants.check(AREA, `${system}: every append under load acknowledged (no error answer)`, failed.length === 0, failed.length === 0 ? `${total} appends, none failed` : failed.map((r) => `${r.writers} writers: ${JSON.stringify(r.failures)}`).join('; '));
  }
}

/**
 * The load area: our HTTP API with 1 and 3 processes (one PostgreSQL database, one private Redis), our appender in
 * process, Emmett and bare batched INSERTs (each on a fresh database of the same server), at every level. Checks that
 * no append failed, every acknowledged event of ours is in the log at its sequence, the log is gapless and
 * `archon72 verify-db` accepts it, and the comparison stores hold exactly what they acknowledged.
 */
export async function runLoadArea(options: { pgAdminUrl: string; levels: number[]; seconds: number; quick: boolean }, invariants: InvariantLog): Promise<LoadReport> {
  const { levels, seconds } = options;
  // Other people's work on a shared machine skews every figure: before each system, wait (up to a minute) for a quiet moment.
  const settle = async (next: string) => {
    if (options.quick) return;
    progress(`waiting for a quiet machine before ${next} (other processes under ${QUIET_PERCENT} % of all cores for 3 s, at most 60 s)…`);
    if (!(await waitForQuietMachine(QUIET_PERCENT, 60_000))) progress('  still busy; measuring anyway (see the "other" CPU column)');
  };
  const emmettVersion = ensureEmmettInstalled();
  return scoped(async (scope) => {
    const tmp = makeTempDir('archon72-evidence-load-');
    scope.defer(() => tmp.remove());
    const db = await prepareDatabase(options.pgAdminUrl, undefined);
    scope.defer(() => db.drop());
    const redis = await startRedisProcess();
    scope.defer(() => redis.kill('SIGKILL'));
    const ours = await openOursStack(scope, db.url, tmp.path);
    const ledger: AckLedger = { acked: new Map() };
    const results: LevelResult[] = [];
    await settle('HTTP, 1 process');
    results.push(...(await measureHttp(ours, redis.url, 1, levels, seconds, ledger)));
    await settle('HTTP, 3 processes');
    results.push(...(await measureHttp(ours, redis.url, 3, levels, seconds, ledger)));
    await settle('the in-process appender');
    results.push(...(await measureAppender(ours, levels, seconds, ledger)));

    const emmettDb = await prepareDatabase(options.pgAdminUrl, undefined);
    scope.defer(() => emmettDb.drop());
    const emmettPids = await postgresPidsOf(emmettDb.url);
    scope.defer(() => emmettPids.close());
    await settle('Emmett');
    const emmett = await measureEmmett(emmettDb.url, levels, seconds, () => emmettPids.pids());
    results.push(...emmett.results);
    invariants.check(AREA, 'Emmett: every acknowledged append is stored', emmett.stored === emmett.acked, `${emmett.acked} acknowledged, ${emmett.stored} rows in emt_messages`);

    const bareDb = await prepareDatabase(options.pgAdminUrl, undefined);
    scope.defer(() => bareDb.drop());
    await settle('bare INSERTs');
    const bare = await measureBareInsert(bareDb.url, levels, seconds);
    results.push(...bare.results);
    invariants.check(AREA, 'bare INSERT: every acknowledged append is stored', bare.stored === bare.acked, `${bare.acked} acknowledged, ${bare.stored} rows`);
    checkNoFailures(invariants, results);

    progress(`checking our log: ${ledger.acked.size} acknowledged appends…`);
    const { missing, moved } = await checkAcknowledged(ours.stack.client, ledger.acked);
    invariants.check(AREA, 'ours: every acknowledged event is in the log at the sequence its 201 named', missing === 0 && moved === 0, `${ledger.acked.size} acknowledged; ${missing} missing, ${moved} at another sequence`);
    const census = await censusOf(db.url);
    invariants.check(AREA, 'ours: the log is gapless (sequences 1..count)', census.gapless, describeCensus(census));
    progress(`archon72 verify-db over ${census.count} events…`);
    const verifyDb = await runVerifyDb(db.url);
    invariants.check(AREA, `ours: \`archon72 ${verifyDb.args.join(' ')}\` accepts the whole log`, verifyDb.ok, `${verifyDb.summary} (${verifyDb.seconds.toFixed(1)} s)`);
    return { levels, seconds, results, emmettVersion, census, verifyDb };
  });
}

