/**
 * Entry of a verification worker thread (createWorkerRunner starts it). It installs the run's SHA-256 and builds
 * the run's checks once from workerData (a WorkerSetup), answers `ready`, then verifies each batch it is sent with
 * verifyBatch and posts the result back, transferring the leaf hashes. A bug while verifying is reported as
 * `failed`, never swallowed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchChecks } from './batch-checks.js';
import { verifyBatch, type BatchChecks } from './verify-batch.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import { installSha256, type Sha256Implementation } from '../../domain/encoding/sha256.js';
import type { FromVerifyWorker, ModuleExport, ToVerifyWorker, WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('verify-worker runs as a worker thread only');
const post = (message: FromVerifyWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function loadExport(spec: ModuleExport, kind: 'function' | 'object'): Promise<unknown> {
  const module = (await import(spec.url)) as Record<string, unknown>;
  const value = module[spec.exportName];
  if (typeof value !== kind || value === null) throw new Error(`${spec.url} does not export a${kind === 'object' ? 'n object' : ' function'} ${spec.exportName}`);
  return value;
}

async function loadChecks(setup: WorkerSetup): Promise<BatchChecks> {
  if (setup.sha256 !== undefined) installSha256((await loadExport(setup.sha256, 'object')) as Sha256Implementation);
  const verify = setup.verifier === undefined ? undefined : ((await loadExport(setup.verifier, 'function')) as Ed25519Verify);
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
