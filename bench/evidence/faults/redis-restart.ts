import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { scoped } from '../../bench-scope.js';
import { prepareDatabase } from '../../bench-stack.js';
import { clearCeremonyBody, registerBenchKeepers, type BenchKeeper } from '../../halt-setup.js';
import { progress, waitUntil } from '../progress.js';
import { FaultLedger, type WriteAnswer } from './fault-ledger.js';
import { getJson, openFaultStack, type FaultStack } from './fault-stack.js';
import { checkLogAfterFault } from './check-log.js';
import type { InvariantLog } from '../invariants.js';
import type { ScenarioReport } from './scenario.js';

const AREA = 'faults: Redis killed and restarted empty';
const INSTANCES = 3;
const WRITERS_PER_INSTANCE = 6;
const DOWN_MS = 3_000;
const WITHIN_MS = 10_000;

/** Per instance: when (ms after `from`) the first answer matching `test` arrived, once `arm(from)` was called. */
function firstAnswers(count: number) {
  let from = Number.POSITIVE_INFINITY;
  let test: (a: WriteAnswer) => boolean = () => false;
  const at: Array<number | undefined> = Array.from({ length: count }, () => undefined);
  return {
    at,
    arm(t: number, match: (a: WriteAnswer) => boolean) {
      from = t;
      test = match;
      at.fill(undefined);
    },
    see(i: number, a: WriteAnswer) {
      if (a.sentAt > from && at[i] === undefined && test(a)) at[i] = a.at - from;
    },
    describe: () => at.map((ms) => (ms === undefined ? 'never' : `${ms.toFixed(0)} ms`)).join(', '),
  };
}

/** Phase 1: Redis SIGKILLed under load, 3 s down, started again empty. */
async function killUnderLoad(stack: FaultStack, ledger: FaultLedger, invariants: InvariantLog): Promise<string[]> {
  const refusal = firstAnswers(INSTANCES);
  const acceptedWhileDown = [0, 0, 0];
  const resumed = firstAnswers(INSTANCES);
  let down = false;
  let killedAt = Number.POSITIVE_INFINITY;
  const load = ledger.startLoad(stack.instances.clients, WRITERS_PER_INSTANCE, (i, a) => {
    refusal.see(i, a);
    resumed.see(i, a);
    // A write sent after this instance had refused one for the channel, while Redis is still down, must not be accepted.
    if (down && a.status === 201 && refusal.at[i] !== undefined && a.sentAt > killedAt + refusal.at[i]!) acceptedWhileDown[i]!++;
  });
  await waitUntil(() => ledger.acked.size >= 200, 30_000);
  progress(`${AREA}: ${ledger.acked.size} acknowledged; SIGKILL to redis-server`);
  killedAt = performance.now();
  refusal.arm(killedAt, (a) => a.status === 503 && a.code === 'HALT_CHANNEL_UNAVAILABLE');
  down = true;
  await stack.redis.kill('SIGKILL');
  await waitUntil(() => refusal.at.every((ms) => ms !== undefined), WITHIN_MS);
  const ready = await Promise.all(stack.instances.clients.map((c) => getJson(c, '/v1/ready')));
  await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (performance.now() - killedAt))));
  down = false;
  await stack.redis.start();
  const startedAt = performance.now();
  resumed.arm(startedAt, (a) => a.status === 201);
  await waitUntil(() => resumed.at.every((ms) => ms !== undefined), WITHIN_MS);
  await load.stop();
  invariants.check(AREA, 'while Redis is down every instance refuses writes (503 HALT_CHANNEL_UNAVAILABLE) and reports not ready', refusal.at.every((ms) => ms !== undefined) && ready.every((r) => r.status === 503 && r.body?.redis === 'unreachable'), `first refusal after the kill: ${refusal.describe()}; /v1/ready: ${ready.map((r) => `${r.status} redis=${String(r.body?.redis)}`).join(', ')}`);
  invariants.check(AREA, 'no instance accepts a write sent after it began refusing, while Redis is down', acceptedWhileDown.every((n) => n === 0), `accepted: ${acceptedWhileDown.join(', ')}`);
  invariants.check(AREA, 'every instance writes again by itself once Redis is back (empty)', resumed.at.every((ms) => ms !== undefined), `first write acknowledged after redis-server started: ${resumed.describe()}`);
  return [`after SIGKILL: first 503 HALT_CHANNEL_UNAVAILABLE per instance ${refusal.describe()}; /v1/ready ${ready.map((r) => r.status).join('/')}; after the empty Redis started: writing again after ${resumed.describe()}`];
}

/** Phase 2: a halt raised, Redis killed and restarted empty: the halt must hold throughout and come back on Redis. */
async function haltSurvivesRedis(stack: FaultStack, keepers: BenchKeeper[], ledger: FaultLedger, invariants: InvariantLog): Promise<string[]> {
  const [first] = stack.instances.clients;
  const halted = await first!.request('POST', '/v1/admin/halt', JSON.stringify({ reason: 'evidence: halted before Redis dies' }), { authorization: `Bearer ${stack.adminToken}` });
  const refusing = async () => (await Promise.all(stack.instances.clients.map((c) => ledger.write(c)))).every((a) => a.status === 503 && a.code === 'SYSTEM_HALTED');
  await waitUntil(refusing, WITHIN_MS);
  await stack.redis.kill('SIGKILL');
  await waitUntil(async () => (await getJson(first!, '/v1/ready')).body?.redis === 'unreachable', WITHIN_MS);
  const whileDown = await Promise.all(stack.instances.clients.map((c) => ledger.write(c)));
  const record = await stack.ours.stack.haltState.read();
  await stack.redis.start();
  const flagBackMs = await waitUntil(() => stack.redis.cli(['GET', 'archon72:halt:active']) === 'true', WITHIN_MS);
  const afterRestart = await Promise.all(stack.instances.clients.map((c) => ledger.write(c)));
  invariants.check(AREA, 'a halt raised before Redis died holds while it is down and after it restarts empty (PostgreSQL is canonical)', halted.status === 200 && record.halted && [...whileDown, ...afterRestart].every((a) => a.status === 503 && a.code === 'SYSTEM_HALTED'), `POST /v1/admin/halt ${halted.status}; halt_state.halted=${record.halted}; writes while down: ${whileDown.map((a) => `${a.status} ${a.code}`).join(', ')}; after restart: ${afterRestart.map((a) => `${a.status} ${a.code}`).join(', ')}`);
  invariants.check(AREA, 'an instance puts the halt flag back on the empty Redis', flagBackMs !== undefined, `archon72:halt:active = true again ${flagBackMs?.toFixed(0) ?? 'never'} ms after redis-server started`);
  const cleared = await first!.request('POST', '/v1/halt/ceremony', clearCeremonyBody(record, keepers, 'evidence: cleared after the Redis restart'));
  const t0 = performance.now();
  const resumed = await waitUntil(async () => (await Promise.all(stack.instances.clients.map((c) => ledger.write(c)))).every((a) => a.status === 201), 120_000, 200);
  invariants.check(AREA, 'after a two-keeper clear every instance writes again', cleared.status === 200 && resumed !== undefined, `POST /v1/halt/ceremony ${cleared.status}; all writing ${((resumed ?? Number.NaN) / 1000).toFixed(1)} s later`);
  return [`halt raised with POST /v1/admin/halt, Redis killed: writes answered ${whileDown.map((a) => a.code).join('/')}, halt_state.halted=${record.halted}; the flag was back on the restarted empty Redis after ${flagBackMs?.toFixed(0) ?? 'never'} ms; cleared by ceremony, every instance writing ${((performance.now() - t0) / 1000).toFixed(1)} s later`];
}

/**
 * Redis (the halt channel) killed with SIGKILL under load and restarted empty, then again while halted. Observed:
 * writes refused while it is down, resumed by themselves after; a halt held in PostgreSQL survives and is put back.
 */
export async function runRedisRestart(pgAdminUrl: string, invariants: InvariantLog): Promise<ScenarioReport> {
  return scoped(async (scope) => {
    const db = await prepareDatabase(pgAdminUrl, undefined);
    scope.defer(() => db.drop());
    let keepers: BenchKeeper[] = [];
    const stack = await openFaultStack(scope, db.url, INSTANCES, { beforeStart: async (ours) => void (keepers = await registerBenchKeepers(ours.stack, ['alice', 'bob'])) });
    const ledger = new FaultLedger(stack.ours.signers, `redis-${randomBytes(3).toString('hex')}`);
    const observed = await killUnderLoad(stack, ledger, invariants);
    observed.push(...(await haltSurvivesRedis(stack, keepers, ledger, invariants)));
    await stack.instances.stop();
    observed.push(await checkLogAfterFault(AREA, invariants, stack.ours.stack.client, db.url, ledger));
    return {
      area: AREA,
      setup: `${INSTANCES} \`archon72 serve\` processes with \`REDIS_URL\` set (one PostgreSQL database), ${WRITERS_PER_INSTANCE} writers each; redis-server (no persistence) gets SIGKILL for ${DOWN_MS / 1000} s and starts again empty; then the same with the system halted.`,
      observed,
    };
  });
}
