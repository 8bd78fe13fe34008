import { randomBytes } from 'node:crypto';
import { toSubmissionJson } from '../../../src/domain/chain/event-json.js';
import { presign } from '../../bench-agents.js';
import { CpuMeter } from '../../cpu-usage.js';
import { scoped } from '../../bench-scope.js';
import { errorCodeOf } from '../../halt-http.js';
import { progress } from '../progress.js';
import { runClosedLoop, runSegmented, type AppendOp } from './closed-loop.js';
import { describeLevel, toLevelResult, type LevelResult, type SystemName } from './workload.js';
import { startOurInstances, type OursStack } from '../ours-stack.js';

/** Pre-signed events must be stored within the 5 s drift threshold of their signing: segments of this length. */
const SEGMENT_MS = 2_000;
const WARMUP_MS = 1_500;

/** What every acknowledged append said, to check against the log afterwards. */
export interface AckLedger {
  /** event_id → sequence of every 201. */
  acked: Map<string, number>;
}

/**
 * appends/s and latency through POST /v1/events of `processes` `archon72 serve` processes on `ours`' database and
 * the Redis at `redisUrl`, at each level of concurrent writers (writer w posts to instance w mod processes, over a
 * keep-alive connection of its own). Agents' submissions are signed before each timed segment. Levels below
 * `processes` are skipped. Every 201 is recorded in `ledger`.
 */
export async function measureHttp(ours: OursStack, redisUrl: string, processes: number, levels: number[], seconds: number, ledger: AckLedger): Promise<LevelResult[]> {
  const system: SystemName = processes === 1 ? 'archon72 HTTP, 1 process' : `archon72 HTTP, 3 processes`;
  const maxLevel = Math.max(...levels);
  return scoped(async (scope) => {
    progress(`${system}: starting ${processes} × archon72 serve (shared PostgreSQL database and Redis)…`);
    const instances = await startOurInstances(scope, ours, redisUrl, processes, { adminToken: randomBytes(24).toString('hex'), maxSockets: maxLevel + 2 });
    const run = `http-${processes}p-${randomBytes(3).toString('hex')}`;
    let offset = 0;
    const prepare = async (count: number): Promise<AppendOp> => {
      const signed = await presign(ours.signers, count, run, offset);
      offset += count;
      const bodies = signed.map((s) => JSON.stringify(toSubmissionJson(s)));
      return async (i, writer) => {
        const client = instances.clients[writer % processes]!;
        const answer = await client.request('POST', '/v1/events', bodies[i]);
        if (answer.status !== 201) return `${answer.status} ${errorCodeOf(answer.body) ?? ''}`.trim();
        ledger.acked.set(signed[i]!.eventId, Number(/"sequence":(\d+)/.exec(answer.body)?.[1]));
        return true;
      };
    };
    const warm = await runClosedLoop(16, await prepare(4_000), WARMUP_MS, 4_000);
    progress(`${system}: warm-up ${warm.events} appends (not reported)`);
    const results: LevelResult[] = [];
    for (const writers of levels.filter((w) => w >= processes)) {
      const meter = new CpuMeter(() => [process.pid, ...instances.pids()], ours.postgresPids);
      const window = await runSegmented(writers, seconds * 1000, SEGMENT_MS, Math.max(writers * 4, 200), prepare, (fn) => meter.measure(fn));
      const result = toLevelResult(system, writers, window, meter.percent(window.busyMs / 1000));
      progress(describeLevel(result));
      results.push(result);
    }
    await instances.stop();
    return results;
  });
}
