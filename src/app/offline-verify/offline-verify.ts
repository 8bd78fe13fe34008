import { createBatchChecks } from './batch-checks.js';
import { createInlineRunner, type BatchRunner } from './batch-runner.js';
import { createWorkerRunner } from './worker-runner.js';
import { CheckpointTracker } from './checkpoint-tracker.js';
import { checkCheckpointSignatures, type PinnedCheckpoint } from './pinned-checkpoint.js';
import { verifyExport, type ExportVerificationReport, type VerifyExportOptions } from './verify-export.js';
import type { CosignerKey } from '../../domain/note/cosignature.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { PublicKeyRecord } from '../../domain/signing/key.types.js';
import type { VerificationPolicy } from '../../domain/verify-stored-event.js';
import type { VerifyMode } from './verify-batch.js';
import type { VerifySource } from './verify-source.js';
import type { ModuleExport, WorkerSetup } from './worker-protocol.js';

/** Everything one run of `archon72 verify` needs, already loaded and parsed (nothing here reads files). */
export interface OfflineVerifyRequest {
  source: VerifySource;
  mode: VerifyMode;
  /** The keys document's records (parsePublicKeySet); may be empty in hashes-only mode. */
  keys: PublicKeyRecord[];
  policy: VerificationPolicy;
  checkpoints: PinnedCheckpoint[];
  /** Trusted checkpoint cosigners and how many of them must have cosigned each checkpoint. */
  cosigners: CosignerKey[];
  quorum: number;
  /** The log's origin, when the caller pins it; otherwise the checkpoints must agree among themselves. */
  origin: string | undefined;
  /** Worker threads verifying batches; 0 verifies on this thread. */
  workers: number;
  /** The Ed25519 verifier: the function for this thread, the module exporting it for worker threads. */
  verifier: { verify: Ed25519Verify; module: ModuleExport };
  /**
   * The module of the Sha256Implementation the caller installed in this thread, for worker threads to install too
   * (hashing is most of a hashes-only run); undefined: workers keep the portable one.
   */
  sha256Module?: ModuleExport;
}

export interface OfflineVerifyReport extends ExportVerificationReport {
  /** Worker threads used (0: inline). */
  workers: number;
}

/**
 * Runs an offline verification: checks each pinned checkpoint's signatures against the keys document (signatures
 * mode), starts the batch runner, verifies every event of the source with the Merkle tree checked against the
 * checkpoints (verifyExport), and always stops the workers. Returns the report; a fault is part of it, not thrown.
 * Throws InputError when the source cannot be opened, and an Error when a worker thread cannot start or dies.
 */
export async function runOfflineVerify(request: OfflineVerifyRequest, options: VerifyExportOptions = {}): Promise<OfflineVerifyReport> {
  const signatures = request.mode === 'signatures';
  const checked = request.checkpoints.map((pinned) => ({
    pinned,
    signatures: signatures
      ? checkCheckpointSignatures(pinned, { keys: request.keys, cosigners: request.cosigners, quorum: request.quorum, verify: request.verifier.verify })
      : undefined,
  }));
  const tracker = new CheckpointTracker(checked, request.origin);
  const runner = await startRunner(request);
  try {
    const report = await verifyExport(request.source, runner, request.mode, tracker, options);
    return { ...report, workers: runner.threads };
  } finally {
    await runner.close();
  }
}

function startRunner(request: OfflineVerifyRequest): Promise<BatchRunner> | BatchRunner {
  const setup: WorkerSetup = {
    mode: request.mode,
    keys: request.mode === 'signatures' ? request.keys : [],
    policy: request.policy,
    verifier: request.mode === 'signatures' ? request.verifier.module : undefined,
    sha256: request.sha256Module,
    leafHashes: true,
  };
  if (request.workers === 0) return createInlineRunner(createBatchChecks(setup, request.verifier.verify));
  return createWorkerRunner(request.workers, setup);
}
