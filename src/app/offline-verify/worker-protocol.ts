import type { VerificationPolicy } from '../../domain/verify-stored-event.js';
import type { PublicKeyRecord } from '../../domain/signing/key.types.js';
import type { BatchResult, LineBatch } from './line-batch.js';
import type { VerifyMode } from './verify-batch.js';

/**
 * A module's export named by URL so a worker thread can load it: the composition root picks the implementation
 * (libsodium's Ed25519Verify, Node's native Sha256Implementation in the CLI) without this layer importing an adapter.
 */
export interface ModuleExport {
  url: string;
  exportName: string;
}

/** A worker thread's workerData: everything it needs to verify batches, fixed for the run. */
export interface WorkerSetup {
  mode: VerifyMode;
  /** The keys document's records (signatures mode). */
  keys: PublicKeyRecord[];
  policy: VerificationPolicy;
  /** An Ed25519Verify; required in signatures mode. */
  verifier: ModuleExport | undefined;
  /** A Sha256Implementation the worker installs (installSha256) before verifying; the portable one when undefined. */
  sha256: ModuleExport | undefined;
  /** Compute Merkle leaf hashes. */
  leafHashes: boolean;
}

/** Main thread -> worker. */
export type ToVerifyWorker = { type: 'batch'; batch: LineBatch };

/** Worker -> main thread: `ready` once, then one `result` or `failed` per batch (`failed` with id -1: setup failed). */
export type FromVerifyWorker =
  | { type: 'ready' }
  | { type: 'result'; result: BatchResult }
  | { type: 'failed'; id: number; message: string };
