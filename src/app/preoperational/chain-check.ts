import { verifyChain, type ChainFault, type VerifyChainDeps } from '../verify-chain.js';
import type { CheckResult } from '../../domain/governance/preoperational.js';
import type { VerificationLog } from '../ports.js';

export interface ChainCheck {
  result: CheckResult;
  /** First sequence verified by this run, when it verified any. */
  from: number | undefined;
  /** The last event known verified (this run's or the previous run's point), when the chain passed. */
  through: { sequence: number; hash: string } | undefined;
  /** What broke, when the chain failed: the caller halts the system (CT-13). */
  fault: ChainFault | undefined;
}

/**
 * Hash-chain integrity, incremental: from the point the last run verified (after checking that event still has
 * the hash recorded then), or the whole chain when `full` (post-halt: runbook §10.4). `onProgress` is called
 * after each page read.
 */
export async function checkHashChain(
  deps: VerifyChainDeps & { verificationLog: VerificationLog },
  full: boolean,
  onProgress?: (verified: number, total: number) => void,
): Promise<ChainCheck> {
  const head = await deps.store.head();
  if (head === undefined) return { result: passed('the log is empty'), from: undefined, through: undefined, fault: undefined };
  const point = full ? undefined : await deps.verificationLog.lastVerifiedPoint();
  if (point !== undefined) {
    const anchor = point.sequence > head.sequence ? undefined : (await deps.store.readRange(point.sequence, point.sequence, 1))[0];
    if (anchor?.contentHash !== point.hash) {
      const fault: ChainFault = {
        sequence: point.sequence,
        code: 'CHAIN_CONTENT_HASH_MISMATCH',
        message: anchor === undefined
          ? `event ${point.sequence}, verified by an earlier run, is missing (the head is ${head.sequence})`
          : `event ${point.sequence} no longer has the content_hash an earlier run verified (${point.hash})`,
      };
      return { result: failed(fault), from: undefined, through: undefined, fault };
    }
    if (point.sequence === head.sequence) {
      return { result: passed(`no event since the last verified point, sequence ${point.sequence}`), from: undefined, through: point, fault: undefined };
    }
  }
  const from = point === undefined ? 1 : point.sequence + 1;
  const report = await verifyChain(deps, { from, to: head.sequence }, onProgress);
  if (report.fault !== undefined) return { result: failed(report.fault), from, through: undefined, fault: report.fault };
  const scope = full ? 'the whole chain (post-halt)' : point === undefined ? 'the whole chain (no earlier verified point)' : `sequences ${from}–${head.sequence} (since the last verified point)`;
  return {
    result: passed(`${report.verified} event(s) verified: ${scope}`),
    from,
    through: { sequence: head.sequence, hash: head.contentHash },
    fault: undefined,
  };
}

function passed(detail: string): CheckResult {
  return { check: 'hash_chain_integrity', status: 'passed', detail };
}

function failed(fault: ChainFault): CheckResult {
  return { check: 'hash_chain_integrity', status: 'failed', detail: `sequence ${fault.sequence}: ${fault.code}: ${fault.message}` };
}
