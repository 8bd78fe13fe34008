import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { scoped } from '../../bench-scope.js';
import { adminQuery, prepareDatabase } from '../../bench-stack.js';
import { progress, waitUntil } from '../progress.js';
import { runVerifyDb } from '../log-checks.js';
import { FaultLedger } from './fault-ledger.js';
import { getJson, openFaultStack } from './fault-stack.js';
import type { InvariantLog } from '../invariants.js';
import type { ScenarioReport } from './scenario.js';

const AREA = 'faults: a row tampered with by a superuser';
const INSTANCES = 3;
const WITHIN_MS = 10_000;

/** A superuser's edit: triggers off (the database cannot stop its own administrator), one payload changed, triggers on. */
function tamperSql(sequence: number): string {
  return `BEGIN; ALTER TABLE events DISABLE TRIGGER USER;
    UPDATE events SET payload = jsonb_set(payload, '{note}', '"tampered by a superuser"') WHERE sequence = ${sequence};
    ALTER TABLE events ENABLE TRIGGER USER; COMMIT;`;
}

/**
 * Three instances serve a log; a superuser edits one stored payload behind their backs. The edit must be detected
 * (GET /v1/observer/verify-chain on an instance, and `archon72 verify-db` naming the sequence) and verify-db must halt
 * the system: every instance refuses writes with 503 SYSTEM_HALTED within seconds.
 */
export async function runTamper(pgAdminUrl: string, invariants: InvariantLog): Promise<ScenarioReport> {
  return scoped(async (scope) => {
    const db = await prepareDatabase(pgAdminUrl, undefined);
    scope.defer(() => db.drop());
    const stack = await openFaultStack(scope, db.url, INSTANCES);
    const ledger = new FaultLedger(stack.ours.signers, `tamper-${randomBytes(3).toString('hex')}`);
    const load = ledger.startLoad(stack.instances.clients, 4);
    await waitUntil(() => ledger.acked.size >= 400, 30_000);
    await load.stop();
    const before = await runVerifyDb(db.url);
    const target = Math.floor(Math.max(...ledger.acked.values()) / 2);
    progress(`${AREA}: ${ledger.acked.size} events written, verify-db ${before.ok ? 'passes' : 'FAILS'}; tampering with sequence ${target}`);
    await adminQuery(db.url, tamperSql(target));

    const [first] = stack.instances.clients;
    const observer = await getJson(first!, `/v1/observer/verify-chain?start=${Math.max(1, target - 10)}&end=${target + 10}`);
    const fault = observer.body?.fault as { sequence?: number; code?: string } | null | undefined;
    const detectedOnline = observer.status === 200 && observer.body?.valid === false && fault?.sequence === target;
    const t0 = performance.now();
    const after = await runVerifyDb(db.url);
    const namesIt = new RegExp(`FAULT at sequence ${target}: CHAIN_CONTENT_HASH_MISMATCH`).test(after.output) && /system halted \(CT-13\)/.test(after.output);
    const verdict = `${/FAULT at sequence \d+: [A-Z_]+/.exec(after.output)?.[0] ?? 'no FAULT line'}; ${/system halted \(CT-13\)/.exec(after.output)?.[0] ?? 'no halt line'}`;
    const refusing = await waitUntil(async () => (await Promise.all(stack.instances.clients.map((c) => ledger.write(c)))).every((a) => a.status === 503 && a.code === 'SYSTEM_HALTED'), WITHIN_MS, 100);
    const haltedMs = refusing === undefined ? undefined : performance.now() - t0;
    const record = await stack.ours.stack.haltState.read();
    const haltView = await getJson(first!, '/v1/halt');
    await stack.instances.stop();

    invariants.check(AREA, 'verify-db passes before the edit', before.ok, before.summary);
    invariants.check(AREA, 'an instance\'s GET /v1/observer/verify-chain reports the edited sequence', detectedOnline, `${observer.status}: valid=${String(observer.body?.valid)}, fault ${fault?.code ?? '-'} at ${fault?.sequence ?? '-'}`);
    invariants.check(AREA, '`archon72 verify-db` exits 1 naming the edited sequence, and halts the system', !after.ok && namesIt, `exit ${after.ok ? 0 : 1}: ${verdict}`);
    invariants.check(AREA, 'every instance refuses writes (503 SYSTEM_HALTED) once verify-db halted the system', haltedMs !== undefined && record.halted, `halt_state.halted=${record.halted} (source ${record.source ?? '-'}, reason "${(record.reason ?? '-').slice(0, 60)}…"); all instances refusing ${haltedMs === undefined ? 'never' : `${(haltedMs / 1000).toFixed(1)} s`} after verify-db started; GET /v1/halt halted=${String(haltView.body?.halted)}`);
    return {
      area: AREA,
      setup: `${INSTANCES} \`archon72 serve\` processes; ${ledger.acked.size} events written through them; then, as the PostgreSQL superuser, \`ALTER TABLE events DISABLE TRIGGER USER\`, one payload changed at sequence ${target}, triggers back on.`,
      observed: [
        `GET /v1/observer/verify-chain?start=${Math.max(1, target - 10)}&end=${target + 10}: valid=${String(observer.body?.valid)}, fault ${fault?.code ?? '-'} at sequence ${fault?.sequence ?? '-'}`,
        `\`archon72 ${after.args.join(' ')}\`: exit ${after.ok ? 0 : 1}; ${verdict}`,
        `every instance answering 503 SYSTEM_HALTED ${haltedMs === undefined ? 'never' : `${(haltedMs / 1000).toFixed(1)} s`} after verify-db started (it takes ${after.seconds.toFixed(1)} s; instances poll halt_state every 500 ms)`,
      ],
    };
  });
}
