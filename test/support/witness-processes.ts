import { join } from 'node:path';
import { CLI, runCli, startProcess } from './run-cli.js';
import { LOG_SIGNER_ID } from '../../src/app/provision-keys.js';

// No vitest import here, like serve-process.ts: plain functions that throw with the processes' output.

/** A checkpoint cosigner's identity: its name and key file, as `archon72 witness keygen` made them. */
export interface CosignerIdentity {
  name: string;
  /** Its raw Ed25519 public key, padded base64 (as CHECKPOINT_COSIGNERS and `--log` write keys). */
  publicKey: string;
  keyFile: string;
  /** Its state file (created by `witness serve` when absent). */
  stateFile: string;
}

/** One running `archon72 witness serve` process. */
export interface WitnessProcess extends CosignerIdentity {
  /** http://127.0.0.1:PORT, as the process logged it. */
  url: string;
  process: ReturnType<typeof startProcess>;
  /** Sends `signal` (SIGTERM: clean shutdown) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Syntactically valid CHECKPOINT_COSIGNERS (two cosigners, the default quorum) for suites whose refusal comes before
 * any checkpoint is published: nothing listens at these URLs (port 9, discard).
 */
export const UNREACHABLE_COSIGNERS = [1, 2].map((n) => `unreachable-${n}.test/w=http://127.0.0.1:9=${Buffer.alloc(32, n).toString('base64')}`).join(';');

/**
 * `archon72 witness keygen --name NAME --out KEYFILE --json`: a new cosigner key file. Throws with the CLI's stderr
 * when it fails (e.g. the key file exists).
 */
export function keygenCosigner(name: string, keyFile: string, stateFile: string): CosignerIdentity {
  const result = runCli(['witness', 'keygen', '--name', name, '--out', keyFile, '--json'], {});
  if (result.status !== 0) throw new Error(`witness keygen ${name} exited ${result.status}: ${result.stderr}`);
  const printed = JSON.parse(result.stdout) as { name: string; public_key: string };
  return { name: printed.name, publicKey: printed.public_key, keyFile, stateFile };
}

/**
 * Starts `archon72 witness serve` for `cosigner`, witnessing each `ORIGIN=PUBLICKEY` of `logs`, on `listen` (a free
 * port by default), and resolves once it logs where it listens. Throws with its output if it exits first or does
 * not start within `timeoutMs`.
 */
export async function startWitnessServe(cosigner: CosignerIdentity, logs: readonly string[], listen = '127.0.0.1:0', timeoutMs = 30_000): Promise<WitnessProcess> {
  const args = [CLI, 'witness', 'serve', '--key', cosigner.keyFile, '--state', cosigner.stateFile, ...logs.flatMap((log) => ['--log', log]), '--listen', listen];
  const proc = startProcess(process.execPath, args, {});
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = proc.out.stdout.split('\n').find((l) => l.includes('"msg":"witness: cosigner'));
    if (line !== undefined) {
      return {
        ...cosigner,
        url: (JSON.parse(line) as { url: string }).url,
        process: proc,
        async stop(signal = 'SIGTERM') {
          if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
          return proc.exited;
        },
      };
    }
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      proc.child.kill('SIGKILL');
      throw new Error(`witness serve ${cosigner.name} did not start:\n${proc.out.stdout}\n${proc.out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CHECKPOINT_COSIGNERS naming `witnesses`: `name=url=publickey` entries separated by ';'. */
export function checkpointCosigners(witnesses: readonly WitnessProcess[]): string {
  return witnesses.map((w) => `${w.name}=${w.url}=${w.publicKey}`).join(';');
}

/**
 * The log's public key (SYSTEM:LOG), base64, as a cosigner's `--log` needs it before the log first serves: the open
 * key from `archon72 keys list`, or a new one from `archon72 keys generate` when there is none yet (what
 * `archon72 serve` would otherwise provision at startup). `env` is the log's configuration (database, custody);
 * the database must be migrated.
 */
export function provisionLogKey(env: Record<string, string | undefined>): string {
  const listed = runCli(['keys', 'list', '--agent', LOG_SIGNER_ID, '--json'], env);
  if (listed.status !== 0) throw new Error(`keys list exited ${listed.status}: ${listed.stderr}`);
  const entries = listed.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { public_key: string; active_until: string | null });
  let hex = entries.find((entry) => entry.active_until === null)?.public_key;
  if (hex === undefined) {
    const generated = runCli(['keys', 'generate', '--agent', LOG_SIGNER_ID, '--json'], env);
    if (generated.status !== 0) throw new Error(`keys generate --agent ${LOG_SIGNER_ID} exited ${generated.status}: ${generated.stderr}`);
    hex = (JSON.parse(generated.stdout) as { public_key: string }).public_key;
  }
  return Buffer.from(hex, 'hex').toString('base64');
}

/** Checkpoint cosigners running for one log. */
export interface CheckpointWitnesses {
  witnesses: WitnessProcess[];
  /** CHECKPOINT_COSIGNERS naming every one of them. */
  cosigners: string;
  /** Stops every witness (SIGTERM) and waits for them to exit. */
  stop(): Promise<void>;
}

/**
 * `count` (default 2, the quorum's floor) independent checkpoint cosigners for the log `origin` signing with
 * `logPublicKey` (base64): each a `witness keygen` key and a `witness serve` process with its state under `dir`,
 * on a free port. Stops those already started if one fails.
 */
export async function startCheckpointWitnesses(dir: string, origin: string, logPublicKey: string, count = 2): Promise<CheckpointWitnesses> {
  const witnesses: WitnessProcess[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      const identity = keygenCosigner(`witness-${i}.e2e.test/w`, join(dir, `witness-${i}.key`), join(dir, `witness-${i}.state.json`));
      witnesses.push(await startWitnessServe(identity, [`${origin}=${logPublicKey}`]));
    }
  } catch (err) {
    await Promise.all(witnesses.map((w) => w.stop('SIGKILL')));
    throw err;
  }
  return {
    witnesses,
    cosigners: checkpointCosigners(witnesses),
    async stop() {
      await Promise.all(witnesses.map((w) => w.stop()));
    },
  };
}
