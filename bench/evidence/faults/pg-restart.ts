import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { scoped } from '../../bench-scope.js';
import { startPgCluster } from '../../../test/support/pg-cluster.js';
import { progress, waitUntil } from '../progress.js';
import { FaultLedger } from './fault-ledger.js';
import { openFaultStack } from './fault-stack.js';
import { checkLogAfterFault } from './check-log.js';
import type { InvariantLog } from '../invariants.js';
import type { ScenarioReport } from './scenario.js';

const AREA = 'faults: PostgreSQL restarted under load';
const INSTANCES = 3;
const WRITERS_PER_INSTANCE = 8;
const DOWN_MS = 3_000;
/** Codes an instance may answer while its database is gone: fail closed, never a 500 (docs/errors.md). */
const OUTAGE_CODES = new Set(['STORE_UNAVAILABLE', 'HALT_STATE_UNKNOWN']);

/**
 * A private PostgreSQL cluster (test/support/pg-cluster.ts) under three instances and their writers, stopped as in a
 * crash (`pg_ctl stop -m immediate`: no checkpoint, WAL replay on start) for a few seconds and started again. Each
 * instance must recover by itself (same process), answering only 201 or a 503 with an outage code meanwhile.
 */
export async function runPgRestart(invariants: InvariantLog): Promise<ScenarioReport> {
  return scoped(async (scope) => {
    const cluster = await startPgCluster();
    scope.defer(() => cluster.destroy());
    const url = await cluster.createDatabase('archon72_evidence');
    const { ours, instances } = await openFaultStack(scope, url, INSTANCES);
    const pidsBefore = instances.pids();
    const ledger = new FaultLedger(ours.signers, `pg-${randomBytes(3).toString('hex')}`);
    let restartedAt = Number.POSITIVE_INFINITY;
    let stoppedAt = Number.POSITIVE_INFINITY;
    const recoveredMs: Array<number | undefined> = instances.clients.map(() => undefined);
    const outageAnswers = new Map<string, number>();
    const load = ledger.startLoad(instances.clients, WRITERS_PER_INSTANCE, (i, answer) => {
      if (answer.sentAt > stoppedAt && answer.sentAt < restartedAt && answer.status !== 201) {
        const key = `${answer.status} ${answer.code ?? ''}`.trim();
        outageAnswers.set(key, (outageAnswers.get(key) ?? 0) + 1);
      }
      if (answer.status === 201 && answer.sentAt > restartedAt && recoveredMs[i] === undefined) recoveredMs[i] = answer.at - restartedAt;
    });
    await waitUntil(() => ledger.acked.size >= 300, 30_000);
    progress(`${AREA}: ${ledger.acked.size} acknowledged; pg_ctl stop -m immediate`);
    stoppedAt = performance.now();
    await cluster.stop('immediate');
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await cluster.start();
    restartedAt = performance.now();
    progress(`${AREA}: pg_ctl start after ${((restartedAt - stoppedAt) / 1000).toFixed(1)} s down; waiting for every instance to write again`);
    await waitUntil(() => recoveredMs.every((ms) => ms !== undefined), 60_000, 100);
    await new Promise((r) => setTimeout(r, 1_000));
    await load.stop();
    const alive = instances.servers.every((s) => s.process.child.exitCode === null && s.process.child.signalCode === null);
    const samePids = instances.pids().every((pid, i) => pid === pidsBefore[i]);
    await instances.stop();

    const unexpected = [...outageAnswers].filter(([key]) => ![...OUTAGE_CODES].some((code) => key === `503 ${code}`));
    invariants.check(AREA, 'every instance stayed up (same process) and wrote again by itself after the restart', alive && samePids && recoveredMs.every((ms) => ms !== undefined), `first write acknowledged ${recoveredMs.map((ms) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`)).join(', ')} after pg_ctl start returned`);
    invariants.check(AREA, 'during the outage writes were refused with 503 (STORE_UNAVAILABLE or HALT_STATE_UNKNOWN) only', unexpected.length === 0 && outageAnswers.size > 0, [...outageAnswers].map(([k, n]) => `${k}×${n}`).join(', ') || 'no refusals seen');
    const unknown = await checkLogAfterFault(AREA, invariants, ours.stack.client, url, ledger);
    return {
      area: AREA,
      setup: `A private PostgreSQL cluster (initdb, fsync on) under ${INSTANCES} \`archon72 serve\` processes sharing one Redis, ${WRITERS_PER_INSTANCE} writers each; \`pg_ctl stop -m immediate\` (a crash: no checkpoint, WAL replay on start) for ${DOWN_MS / 1000} s, then \`pg_ctl start\`.`,
      observed: [`answers to writes sent during the outage: ${[...outageAnswers].map(([k, n]) => `${k}×${n}`).join(', ')}`, `instances writing again after the start: ${recoveredMs.map((ms) => `${((ms ?? Number.NaN) / 1000).toFixed(1)} s`).join(', ')}`, unknown],
    };
  });
}
