import { AppError } from '../domain/errors.js';
import { formatAddCheckpointRequest } from '../domain/note/add-checkpoint-request.js';
import { parseCheckpointBody } from '../domain/note/checkpoint-note.js';
import { cosignatureLine, verifyCosignature } from '../domain/note/cosignature.js';
import { parseSignedNote } from '../domain/note/signed-note.js';
import type { Ed25519Verify } from '../domain/signing/ed25519.js';
import type { CheckpointCosignerConfig } from './config.js';
import type { CosignatureStore, CosignerClient, StoredCosignature } from './ports.js';

/** RFC 6962 consistency proof (its hashes) from the tree of `fromSize` leaves to the tree of `toSize` leaves. */
export type ConsistencyProofProvider = (fromSize: number, toSize: number) => Promise<Uint8Array[]>;

/** How cosigning logs: every failure is logged (and never trusted), then retried with the next checkpoint. */
export type CosigningLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What collecting cosignatures needs: the HTTP client, the store, the log's proofs, a verifier and a log. */
export interface CosignCheckpointDeps {
  client: CosignerClient;
  store: CosignatureStore;
  proofs: ConsistencyProofProvider;
  verify: Ed25519Verify;
  log: CosigningLog;
}

/** What one round of cosigning achieved. */
export interface CosignOutcome {
  treeSize: number;
  /** Cosigners whose cosignature verified and was stored (or was stored already). */
  cosigned: string[];
  failures: Array<{ cosigner: string; reason: string }>;
  /** The latest size each cosigner is known to have cosigned, after this round: the next request's old size. */
  knownSizes: Map<string, number>;
}

/** How long one add-checkpoint request may take by default. */
export const DEFAULT_COSIGNER_TIMEOUT_MS = 5_000;

/**
 * Asks every cosigner, in parallel, to cosign the log-signed checkpoint `note` (C2SP tlog-witness add-checkpoint):
 * the old size is the size the cosigner last cosigned (`previousSizes`, 0 when unknown), with a consistency proof
 * from it. A 409 tells the cosigner's real size: the request is repeated once from there. Every returned
 * cosignature is verified against the configured key before it is stored; a timeout, a refusal, an unverifiable
 * line or a store failure is logged and counted as a failure, never thrown.
 */
export async function cosignCheckpoint(
  deps: CosignCheckpointDeps,
  note: string,
  cosigners: readonly CheckpointCosignerConfig[],
  previousSizes: ReadonlyMap<string, number>,
  timeoutMs = DEFAULT_COSIGNER_TIMEOUT_MS,
): Promise<CosignOutcome> {
  const signed = parseSignedNote(note);
  const { treeSize } = parseCheckpointBody(signed.text);
  const outcome: CosignOutcome = { treeSize, cosigned: [], failures: [], knownSizes: new Map(previousSizes) };
  await Promise.all(
    cosigners.map(async (cosigner) => {
      const fail = (reason: string) => {
        outcome.failures.push({ cosigner: cosigner.name, reason });
        deps.log('warn', `cosigning: ${cosigner.name} did not cosign tree size ${treeSize}: ${reason}`, { cosigner: cosigner.name, url: cosigner.url, treeSize, reason });
      };
      try {
        const result = await askCosigner(deps, cosigner, note, treeSize, outcome.knownSizes.get(cosigner.name) ?? 0, timeoutMs, (size) => outcome.knownSizes.set(cosigner.name, size));
        if ('reason' in result) return fail(result.reason);
        // The answer is untrusted: only a line of this cosigner's key that verifies over this note counts.
        const cosignature = verifyCosignature(parseSignedNote(`${signed.text}\n${result.lines}`), cosigner, deps.verify);
        await deps.store.add({ treeSize, cosigner: cosigner.name, keyId: cosignature.keyId, timestamp: cosignature.timestamp, signature: cosignature.signature });
        outcome.knownSizes.set(cosigner.name, treeSize);
        outcome.cosigned.push(cosigner.name);
      } catch (err) {
        fail(err instanceof AppError ? `${err.code}: ${err.message}` : `unexpected error: ${(err as Error).message}`);
      }
    }),
  );
  outcome.cosigned.sort();
  return outcome;
}

/** One cosigner: resolves with its answer's lines, or why there are none. Repeats once after a 409. */
async function askCosigner(
  deps: CosignCheckpointDeps,
  cosigner: CheckpointCosignerConfig,
  note: string,
  treeSize: number,
  firstOldSize: number,
  timeoutMs: number,
  learned: (size: number) => void,
): Promise<{ lines: string } | { reason: string }> {
  let oldSize = firstOldSize;
  for (let attempt = 0; ; attempt++) {
    if (oldSize > treeSize) return { reason: `it has cosigned a larger tree (size ${oldSize}) than this checkpoint` };
    const proof = oldSize === 0 || oldSize === treeSize ? [] : await deps.proofs(oldSize, treeSize);
    const result = await deps.client.addCheckpoint(cosigner.url, formatAddCheckpointRequest({ oldSize, consistencyProof: proof, checkpoint: note }), timeoutMs);
    if (result.kind === 'cosigned') return { lines: result.lines };
    if (result.kind === 'failed') return { reason: result.reason };
    learned(result.knownSize);
    // A conflict at the size we sent means the cosigner holds another root for that size: a fork, not staleness.
    if (result.knownSize === oldSize || attempt > 0) {
      return { reason: `409: it has cosigned tree size ${result.knownSize}${result.knownSize === oldSize ? ' with another root hash' : ''}` };
    }
    oldSize = result.knownSize;
  }
}

/**
 * The checkpoint `note` with the stored cosignatures appended as cosignature lines: what a client verifies the
 * quorum on (verifyCosignatureQuorum). Throws InputError INPUT_NOTE_MALFORMED for a note that is not a signed note.
 */
export function cosignedNote(note: string, cosignatures: readonly StoredCosignature[]): string {
  parseSignedNote(note);
  // A signed note ends with its last signature line's newline: further lines follow directly.
  return `${note}${cosignatures.map((c) => cosignatureLine(c.cosigner, c.keyId, c.timestamp, c.signature)).join('')}`;
}

/** The log's cosigning configuration (CHECKPOINT_COSIGNERS, CHECKPOINT_COSIGNER_QUORUM). */
export interface CheckpointCosigningOptions {
  /** CHECKPOINT_COSIGNERS; empty: cosigning is off (development only: requireCheckpointCosigners). */
  cosigners: readonly CheckpointCosignerConfig[];
  /** CHECKPOINT_COSIGNER_QUORUM: cosignatures that make a checkpoint witnessed. */
  quorum: number;
  timeoutMs?: number;
}

/**
 * Collects cosignatures for each checkpoint the log publishes (wire `listener()` into Checkpointer.onPublished).
 * One checkpoint at a time, in order, so every cosigner sees the log grow; the size each cosigner last cosigned is
 * remembered between rounds (and relearned from a 409 after a restart). A cosigner that fails is tried again with
 * the next checkpoint, from the size it last cosigned. Never throws.
 */
export class CheckpointCosigning {
  private readonly knownSizes = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: CosignCheckpointDeps,
    private readonly options: CheckpointCosigningOptions,
  ) {
    if (options.cosigners.length === 0) {
      deps.log('warn', 'cosigning: CHECKPOINT_COSIGNERS is empty, so checkpoints are not cosigned (not witnessed); set it outside development', { quorum: options.quorum });
    }
  }

  /** Whether any cosigner is configured. */
  get enabled(): boolean {
    return this.options.cosigners.length > 0;
  }

  /** A Checkpointer.onPublished listener: queues the checkpoint for cosigning. */
  listener(): (checkpoint: { note: string }) => void {
    return (checkpoint) => void this.cosign(checkpoint.note);
  }

  /**
   * Queues one checkpoint (its log-signed note) and resolves with what its round achieved, or undefined when
   * cosigning is off or the round failed before asking anyone (the note could not be read).
   */
  cosign(note: string): Promise<CosignOutcome | undefined> {
    if (!this.enabled) return Promise.resolve(undefined);
    const round = this.queue.then(() => this.round(note));
    this.queue = round;
    return round;
  }

  /** Resolves once every queued round has finished (for shutdown). */
  async idle(): Promise<void> {
    await this.queue;
  }

  private async round(note: string): Promise<CosignOutcome | undefined> {
    let outcome: CosignOutcome;
    try {
      outcome = await cosignCheckpoint(this.deps, note, this.options.cosigners, this.knownSizes, this.options.timeoutMs);
    } catch (err) {
      this.deps.log('error', `cosigning: cannot submit the checkpoint: ${(err as Error).message}`, { code: (err as AppError).code });
      return undefined;
    }
    for (const [name, size] of outcome.knownSizes) this.knownSizes.set(name, size);
    const { treeSize, cosigned, failures } = outcome;
    const { quorum } = this.options;
    const fields = { treeSize, cosigned, quorum, failed: failures.map((f) => f.cosigner) };
    if (cosigned.length >= quorum) this.deps.log('info', `cosigning: tree size ${treeSize} witnessed by ${cosigned.length} of ${this.options.cosigners.length} cosigners`, fields);
    else this.deps.log('warn', `cosigning: tree size ${treeSize} has ${cosigned.length} of the ${quorum} cosignatures needed; failing cosigners are asked again with the next checkpoint`, fields);
    return outcome;
  }
}
