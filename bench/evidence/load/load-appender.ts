import { randomBytes } from 'node:crypto';
import { presign } from '../../bench-agents.js';
import { CpuMeter } from '../../cpu-usage.js';
import { AppError } from '../../../src/domain/errors.js';
import { progress } from '../progress.js';
import { runClosedLoop, runSegmented, type AppendOp } from './closed-loop.js';
import { describeLevel, toLevelResult, type LevelResult } from './workload.js';
import type { AckLedger } from './load-http.js';
import type { OursStack } from '../ours-stack.js';

const SEGMENT_MS = 2_000;
const WARMUP_MS = 1_500;

/**
 * appends/s and latency of our EventAppender in this process, without HTTP: `submit` (the path POST /v1/events
 * takes: submission window, agent signature verification, hash chain, witness signature, group commit) on `ours`'
 * database, with the same pre-signed submissions and levels as the HTTP runs. No halt gate is wired in (the servers'
 * gate is an in-memory check). Every stored event is recorded in `ledger`.
 */
export async function measureAppender(ours: OursStack, levels: number[], seconds: number, ledger: AckLedger): Promise<LevelResult[]> {
  const system = 'archon72 EventAppender, in process' as const;
  const appender = ours.stack.appender();
  const run = `appender-${randomBytes(3).toString('hex')}`;
  let offset = 0;
  const prepare = async (count: number): Promise<AppendOp> => {
    const signed = await presign(ours.signers, count, run, offset);
    offset += count;
    return async (i) => {
      try {
        const stored = await appender.submit(signed[i]!);
        ledger.acked.set(stored.eventId, stored.sequence);
        return true;
      } catch (err) {
        return err instanceof AppError ? err.code : `thrown ${(err as Error).name}`;
      }
    };
  };
  const warm = await runClosedLoop(16, await prepare(4_000), WARMUP_MS, 4_000);
  progress(`${system}: warm-up ${warm.events} appends (not reported)`);
  const results: LevelResult[] = [];
  for (const writers of levels) {
    const meter = new CpuMeter(() => [process.pid], ours.postgresPids);
    const window = await runSegmented(writers, seconds * 1000, SEGMENT_MS, Math.max(writers * 4, 200), prepare, (fn) => meter.measure(fn));
    const result = toLevelResult(system, writers, window, meter.percent(window.busyMs / 1000));
    progress(describeLevel(result));
    results.push(result);
  }
  await appender.flush();
  return results;
}
