/**
 * Entry of a verification worker thread (createWorkerRunner starts it). It builds the run's checks once from
 * workerData (a WorkerSetup), answers `ready`, then verifies each batch it is sent with verifyBatch and posts the
 * result back, transferring the leaf hashes. A bug while verifying is reported as `failed`, never swallowed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchChecks } from './batch-checks.js';
import { verifyBatch, type BatchChecks } from './verify-batch.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { FromVerifyWorker, ToVerifyWorker, WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('verify-worker runs as a worker thread only');
const post = (message: FromVerifyWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function loadChecks(setup: WorkerSetup): Promise<BatchChecks> {
  let verify: Ed25519Verify | undefined;
  if (setup.verifier !== undefined) {
    const module = (await import(setup.verifier.url)) as Record<string, unknown>;
    verify = module[setup.verifier.exportName] as Ed25519Verify | undefined;
    if (typeof verify !== 'function') throw new Error(`${setup.verifier.url} does not export a function ${setup.verifier.exportName}`);
  }
  return createBatchChecks(setup, verify);
}

try {
  const checks = await loadChecks(workerData as WorkerSetup);
  port.on('message', (message: ToVerifyWorker) => {
    try {
      const result = verifyBatch(message.batch, checks);
      post({ type: 'result', result }, result.leafHashes === undefined ? [] : [result.leafHashes.buffer as ArrayBuffer]);
    } catch (err) {
      post({ type: 'failed', id: message.batch.id, message: (err as Error)?.stack ?? String(err) });
    }
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', id: -1, message: (err as Error)?.stack ?? String(err) });
}
