import { batchLines } from './batch-lines.js';
import { ResultOrder } from './result-order.js';
import { CheckpointTracker, type CheckpointOutcome } from './checkpoint-tracker.js';
import type { BatchRunner } from './batch-runner.js';
import { BATCH_LINES, type BatchResult, type LineBatch } from './line-batch.js';
import type { VerificationFault } from './verification-fault.js';
import type { VerifyMode } from './verify-batch.js';
import type { VerifySource } from './verify-source.js';
import type { ChainLink } from '../../domain/chain/event.types.js';

/** What `archon72 verify` found. */
export interface ExportVerificationReport {
  /** True when every event verified, and every pinned checkpoint. */
  ok: boolean;
  mode: VerifyMode;
  source: string;
  /** Events that verified, from sequence 1 (all of them when ok). */
  verified: number;
  /** The last verified event (undefined when none verified). */
  head: ChainLink | undefined;
  /** RFC 6962 root (base64) of the tree over the verified events, when leaf hashes were computed. */
  rootHash: string | undefined;
  checkpoints: CheckpointOutcome[];
  /** The first fault, at the lowest sequence; undefined when ok. */
  fault: VerificationFault | undefined;
}

/** How far a run has got: events verified in order, and the bytes they take in the source. */
export interface VerifyProgress {
  verified: number;
  bytesVerified: number;
  totalBytes: number | undefined;
}

export interface VerifyExportOptions {
  /** Called after each batch consumed in order. */
  onProgress?: (progress: VerifyProgress) => void;
  /** Lines per batch (default BATCH_LINES). */
  batchSize?: number;
}

/**
 * Verifies every event `source` delivers, from sequence 1, with `runner` (worker threads or inline), and reports the
 * first fault by line order, exactly as one sequential pass would: reading stops as soon as a batch fails, the
 * batches before it finish, and the lowest fault wins (ResultOrder). With a `tracker` (the runner then computes
 * leaf hashes), the events' Merkle tree is built in order and checked against each pinned checkpoint as its tree
 * size is reached; a checkpoint beyond the last event is a `truncated` fault. Memory stays bounded by the batches in
 * flight.
 * Throws the source's errors (InputError when it cannot be opened) and rejects when a worker thread dies.
 */
export async function verifyExport(
  source: VerifySource,
  runner: BatchRunner,
  mode: VerifyMode,
  tracker: CheckpointTracker | undefined,
  options: VerifyExportOptions = {},
): Promise<ExportVerificationReport> {
  const { onProgress, batchSize = BATCH_LINES } = options;
  let verified = 0;
  let head: ChainLink | undefined;
  let fault: VerificationFault | undefined;
  let bytesVerified = 0;
  const order = new ResultOrder((result: BatchResult) => {
    verified += result.verified;
    bytesVerified += result.size;
    head = result.last ?? head;
    // The batch's leaves are those of its verified events, all before its own fault (if any).
    fault = (result.leafHashes === undefined ? undefined : tracker?.append(result.leafHashes, result.subtreeRoot)) ?? result.fault;
    onProgress?.({ verified, bytesVerified, totalBytes: source.totalBytes });
    return fault !== undefined;
  });
  await runBatches(batchLines(source.chunks(), batchSize), runner, order);
  fault ??= tracker?.finish();
  return {
    ok: fault === undefined,
    mode,
    source: source.name,
    verified,
    head,
    rootHash: tracker?.rootHash(),
    checkpoints: tracker?.outcomes ?? [],
    fault,
  };
}

/** Dispatches batches with at most `runner.capacity` in flight, until the input ends or a fault is known. */
async function runBatches(batches: AsyncIterable<LineBatch>, runner: BatchRunner, order: ResultOrder): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let crashed: unknown;
  for await (const batch of batches) {
    while (inFlight.size >= runner.capacity) await Promise.race(inFlight);
    // Once a batch fails, later ones cannot change the verdict: stop reading (leaving the loop closes the source).
    if (crashed !== undefined || !order.wants(batch.id)) break;
    const done: Promise<void> = runner
      .run(batch)
      .then(
        (result) => order.add(result),
        (err: unknown) => {
          crashed ??= err;
        },
      )
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }
  await Promise.all(inFlight);
  if (crashed !== undefined) throw crashed;
}
