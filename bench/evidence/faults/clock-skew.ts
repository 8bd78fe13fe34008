import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { scoped } from '../../bench-scope.js';
import { prepareDatabase } from '../../bench-stack.js';
import { createSoftwareKeyCustody } from '../../../src/adapters/hsm/software-key-custody.js';
import { signSubmission } from '../../../src/app/sign-submission.js';
import { toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';
import { progress } from '../progress.js';
import { workloadPayload, WORKLOAD_EVENT_TYPE } from '../load/workload.js';
import { startOurInstances, type Instances, type OursStack } from '../ours-stack.js';
import { FaultLedger } from './fault-ledger.js';
import { getJson, openFaultStack } from './fault-stack.js';
import { checkLogAfterFault } from './check-log.js';
import type { InvariantLog } from '../invariants.js';
import type { ScenarioReport } from './scenario.js';
import type { EventSubmission } from '../../../src/domain/chain/event.types.js';

const AREA = 'faults: clock skew on one instance';
/** Instance B's clock runs this far ahead: beyond the 5 s drift threshold, inside the 300 s submission window. */
const SKEW_MS = 30_000;
const WRITES_PER_KIND = 100;
const SKEW_PRELOAD = fileURLToPath(new URL('./skew-clock.mjs', import.meta.url));

/** Signs the agents' submissions with a clock `offsetMs` off this machine's (an agent on host B reads B's clock). */
function signerAt(ours: OursStack, run: string, offsetMs: number): (n: number) => Promise<EventSubmission> {
  const custody = createSoftwareKeyCustody(ours.agentDir);
  return (n) => {
    const agent = ours.signers.agents[n % ours.signers.agents.length]!;
    const localTimestamp = toCanonicalTimestamp(new Date(Date.now() + offsetMs));
    return signSubmission({ eventId: randomUUID(), eventType: WORKLOAD_EVENT_TYPE, payload: workloadPayload(n, run), agentId: agent.agentId, signingKeyId: agent.keyId, localTimestamp }, custody);
  };
}

async function driftWarnings(ours: OursStack): Promise<Set<string>> {
  return new Set((await ours.stack.client.query<{ event_id: string }>('SELECT event_id::text AS event_id FROM clock_drift_warnings')).map((r) => r.event_id));
}

/**
 * Instance A keeps this machine's time; instance B's clock runs 30 s ahead (a preloaded module shifts its Date).
 * Agents with a correct clock and agents reading B's clock write through both. Nothing may be refused; the database
 * records a drift warning for exactly the events stamped with B's clock; health and metrics report them.
 */
export async function runClockSkew(pgAdminUrl: string, invariants: InvariantLog): Promise<ScenarioReport> {
  return scoped(async (scope) => {
    const db = await prepareDatabase(pgAdminUrl, undefined);
    scope.defer(() => db.drop());
    const { ours, redis, instances: a, adminToken } = await openFaultStack(scope, db.url, 1);
    let b: Instances;
    try {
      b = await startOurInstances(scope, ours, redis.url, 1, { adminToken, maxSockets: 8, extraEnv: { NODE_OPTIONS: `--import=${SKEW_PRELOAD}`, EVIDENCE_CLOCK_SKEW_MS: String(SKEW_MS) } });
    } catch (err) {
      invariants.check(AREA, 'an instance whose clock is 30 s ahead starts (pre-operational verification passes)', false, (err as Error).message.split('\n')[0] ?? '');
      return { area: AREA, setup: 'instance B with its clock 30 s ahead', observed: ['B did not start'] };
    }
    const [clientA, clientB] = [a.clients[0]!, b.clients[0]!];
    const run = `skew-${randomBytes(3).toString('hex')}`;
    const ledger = new FaultLedger(ours.signers, run, signerAt(ours, `${run}-true`, 0));
    const skewedSign = signerAt(ours, `${run}-skewed`, SKEW_MS);
    const skewedIds = new Set<string>();
    const signSkewed = async (n: number) => {
      const s = await skewedSign(n);
      skewedIds.add(s.eventId);
      return s;
    };
    // Which clock B keeps: a submission 320 s ahead of true time is outside A's window (300 s) and inside B's.
    const ahead = signerAt(ours, `${run}-probe`, 320_000);
    const probeA = await ledger.write(clientA, ahead);
    const probeB = await ledger.write(clientB, async (n) => {
      const s = await ahead(n);
      skewedIds.add(s.eventId);
      return s;
    });
    progress(`${AREA}: a submission 320 s ahead answered ${probeA.status} ${probeA.code ?? ''} by A, ${probeB.status} by B`);
    const kinds: Array<[string, typeof clientA, ((n: number) => Promise<EventSubmission>) | undefined]> = [['true clock → A', clientA, undefined], ['true clock → B', clientB, undefined], ["B's clock → B", clientB, signSkewed], ["B's clock → A", clientA, signSkewed]];
    const answers = await Promise.all(kinds.map(async ([, client, sign]) => {
      const statuses: number[] = [];
      for (let i = 0; i < WRITES_PER_KIND; i++) statuses.push((await ledger.write(client, sign)).status);
      return statuses;
    }));
    const warned = await driftWarnings(ours);
    const health = await Promise.all([clientA, clientB].map((c) => getJson(c, '/v1/health/constitutional')));
    const metric = Number(/^archon72_clock_drift_warnings (\S+)$/m.exec((await clientA.request('GET', '/metrics')).body)?.[1] ?? Number.NaN);
    await Promise.all([a.stop(), b.stop()]);

    const skewedAcked = [...ledger.acked.keys()].filter((id) => skewedIds.has(id));
    const trueAcked = [...ledger.acked.keys()].filter((id) => !skewedIds.has(id));
    invariants.check(AREA, 'B keeps the skewed clock (a submission 320 s ahead: refused by A, accepted by B)', probeA.status === 422 && probeA.code === 'INPUT_TIMESTAMP_OUTSIDE_WINDOW' && probeB.status === 201, `A ${probeA.status} ${probeA.code ?? ''}, B ${probeB.status}`);
    invariants.check(AREA, 'no write within the submission window is refused, on either instance', answers.every((s) => s.every((x) => x === 201)), kinds.map(([name], i) => `${name}: ${answers[i]!.filter((x) => x === 201).length}/${WRITES_PER_KIND} accepted`).join('; '));
    invariants.check(AREA, "a drift warning is recorded for exactly the events stamped with B's clock", skewedAcked.every((id) => warned.has(id)) && trueAcked.every((id) => !warned.has(id)), `${warned.size} warnings; ${skewedAcked.filter((id) => warned.has(id)).length}/${skewedAcked.length} skewed events warned, ${trueAcked.filter((id) => warned.has(id)).length}/${trueAcked.length} correct-clock events warned`);
    const drift = health.map((h) => (h.body?.clock_drift as { recent_warnings?: number } | undefined)?.recent_warnings ?? -1);
    const reasons = health.map((h) => ((h.body?.reasons as string[] | undefined) ?? []).filter((r) => /clock-drift/.test(r)));
    invariants.check(AREA, 'both instances report the warnings (/v1/health/constitutional clock_drift and reasons, archon72_clock_drift_warnings)', health.every((_, i) => drift[i]! >= skewedAcked.length && reasons[i]!.length > 0) && metric >= skewedAcked.length, `health: ${health.map((h, i) => `${String(h.body?.status)}, ${drift[i]} recent warnings, ${JSON.stringify(reasons[i])}`).join('; ')}; metric ${metric}`);
    const unknown = await checkLogAfterFault(AREA, invariants, ours.stack.client, db.url, ledger);
    return {
      area: AREA,
      setup: `Two \`archon72 serve\` processes on one database and Redis: A on this machine's clock, B with its clock ${SKEW_MS / 1000} s ahead (a module preloaded with NODE_OPTIONS shifts its Date). ${WRITES_PER_KIND} writes each of: correct-clock agents → A, → B; agents reading B's clock → B, → A.`,
      observed: [
        `a submission stamped 320 s ahead: A ${probeA.status} ${probeA.code ?? ''}, B ${probeB.status} (B's window is centred 30 s ahead)`,
        `${ledger.acked.size} writes accepted; clock_drift_warnings rows: ${warned.size} (skewed events: ${skewedAcked.length}); /v1/health/constitutional: ${health.map((h) => String(h.body?.status)).join(' / ')}, reasons ${JSON.stringify((health[0]?.body?.reasons as unknown[] | undefined) ?? [])}`,
        unknown,
      ],
    };
  });
}
