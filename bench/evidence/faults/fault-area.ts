import { wasInterrupted } from '../../bench-scope.js';
import { pgClusterUnavailableReason } from '../../../test/support/pg-cluster.js';
import { progress } from '../progress.js';
import { runKillApi } from './kill-api.js';
import { runPgRestart } from './pg-restart.js';
import { runRedisRestart } from './redis-restart.js';
import { runTamper } from './tamper.js';
import { runClockSkew } from './clock-skew.js';
import type { InvariantLog } from '../invariants.js';
import type { ScenarioReport } from './scenario.js';

/** What the fault area did, scenario by scenario. */
export interface FaultReport {
  scenarios: ScenarioReport[];
}

/**
 * The fault area: kill -9 of an API process under load, PostgreSQL restarted under load (a private cluster), Redis
 * killed and restarted empty, a row tampered with by a superuser, clock skew on one instance. Each scenario records
 * its invariants; one that cannot run to the end is recorded as broken and the others still run.
 */
export async function runFaultArea(options: { pgAdminUrl: string }, invariants: InvariantLog): Promise<FaultReport> {
  const scenarios: ScenarioReport[] = [];
  const clusterMissing = pgClusterUnavailableReason();
  const runs: Array<[string, () => Promise<ScenarioReport>]> = [
    ['faults: kill -9 of an API process', () => runKillApi(options.pgAdminUrl, invariants)],
    ['faults: PostgreSQL restarted under load', async () => {
      if (clusterMissing !== undefined) throw new Error(`cannot make a private PostgreSQL cluster: ${clusterMissing}`);
      return runPgRestart(invariants);
    }],
    ['faults: Redis killed and restarted empty', () => runRedisRestart(options.pgAdminUrl, invariants)],
    ['faults: a row tampered with by a superuser', () => runTamper(options.pgAdminUrl, invariants)],
    ['faults: clock skew on one instance', () => runClockSkew(options.pgAdminUrl, invariants)],
  ];
  for (const [area, run] of runs) {
    progress(`${area}…`);
    try {
      scenarios.push(await run());
    } catch (err) {
      if (wasInterrupted()) throw err;
      invariants.crashed(area, err);
    }
  }
  return { scenarios };
}
