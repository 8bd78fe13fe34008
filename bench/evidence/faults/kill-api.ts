import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { scoped } from '../../bench-scope.js';
import { prepareDatabase } from '../../bench-stack.js';
import { createInstanceClient } from '../../halt-http.js';
import { startServe } from '../../../test/support/serve-process.js';
import { freePort } from '../../../test/support/redis-process.js';
import { progress, waitUntil } from '../progress.js';
import { FaultLedger } from './fault-ledger.js';
import { openFaultStack } from './fault-stack.js';
import { checkLogAfterFault } from './check-log.js';
import type { InvariantLog } from '../invariants.js';
import type { ScenarioReport } from './scenario.js';

const AREA = 'faults: kill -9 of an API process';
const INSTANCES = 3;
const WRITERS_PER_INSTANCE = 12;

/**
 * Three instances on one database under heavy appends (12 writers each, signing in the loop); one is killed with
 * SIGKILL mid-load, the survivors keep serving, then the killed one is started again and must serve. Afterwards
 * every acknowledged write must be stored, the log gapless and verify-db must pass.
 */
export async function runKillApi(pgAdminUrl: string, invariants: InvariantLog): Promise<ScenarioReport> {
  return scoped(async (scope) => {
    const db = await prepareDatabase(pgAdminUrl, undefined);
    scope.defer(() => db.drop());
    const { ours, instances } = await openFaultStack(scope, db.url, INSTANCES);
    const ledger = new FaultLedger(ours.signers, `kill-${randomBytes(3).toString('hex')}`);
    let killedAt = Number.POSITIVE_INFINITY;
    const ackedAfterKill = [0, 0, 0];
    const load = ledger.startLoad(instances.clients, WRITERS_PER_INSTANCE, (i, answer) => {
      if (answer.status === 201 && answer.sentAt > killedAt) ackedAfterKill[i]!++;
    });
    await waitUntil(() => ledger.acked.size >= 500, 30_000);
    const victim = instances.servers[1]!;
    const inFlightAcked = ledger.acked.size;
    progress(`${AREA}: ${inFlightAcked} acknowledged; SIGKILL to instance 2 (pid ${victim.process.child.pid})`);
    killedAt = performance.now();
    victim.process.child.kill('SIGKILL');
    const how = await victim.process.exited;
    await new Promise((r) => setTimeout(r, 2_000));
    const restartT0 = performance.now();
    const restarted = await startServe(instances.env, await freePort());
    scope.defer(() => void restarted.process.child.kill('SIGKILL'));
    const restartMs = performance.now() - restartT0;
    const client = createInstanceClient(restarted.port, 4);
    scope.defer(() => client.close());
    const accepted = await waitUntil(async () => (await ledger.write(client)).status === 201, 30_000, 100);
    await new Promise((r) => setTimeout(r, 1_000));
    await load.stop();
    await restarted.stop('SIGTERM');
    await instances.stop();

    invariants.check(AREA, 'the killed process died by SIGKILL (no shutdown)', how.signal === 'SIGKILL', JSON.stringify(how));
    invariants.check(AREA, 'the surviving instances kept acknowledging writes after the kill', ackedAfterKill[0]! > 0 && ackedAfterKill[2]! > 0, `acknowledged after the kill: instance 1 ${ackedAfterKill[0]}, instance 3 ${ackedAfterKill[2]}`);
    invariants.check(AREA, 'the killed instance, started again, serves writes', accepted !== undefined, `started in ${(restartMs / 1000).toFixed(1)} s (pre-operational verification included), first write accepted ${accepted?.toFixed(0) ?? 'never'} ms later`);
    const unknown = await checkLogAfterFault(AREA, invariants, ours.stack.client, db.url, ledger);
    return {
      area: AREA,
      setup: `${INSTANCES} \`archon72 serve\` processes on one PostgreSQL database and one Redis, ${WRITERS_PER_INSTANCE} writers each posting agent-signed events back to back; after ${inFlightAcked} acknowledged writes instance 2 gets SIGKILL, the others keep going for 2 s, then instance 2 is started again.`,
      observed: [
        `acknowledged after the kill by the survivors: ${ackedAfterKill[0]} and ${ackedAfterKill[2]}; the restarted instance answered health after ${(restartMs / 1000).toFixed(1)} s and accepted a write`,
        unknown,
      ],
    };
  });
}
