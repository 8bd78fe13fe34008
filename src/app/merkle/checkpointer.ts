import { utf8 } from '../../domain/encoding/bytes.js';
import { AppError, CustodyError, MerkleError, StoreError } from '../../domain/errors.js';
import { verifyConsistency } from '../../domain/merkle/consistency-proof.js';
import { checkpointBody, logKeyId, signatureLine } from '../../domain/note/checkpoint-note.js';
import { formatSignedNote } from '../../domain/note/signed-note.js';
import { LOG_SIGNER_ID, openKeyOf } from '../provision-keys.js';
import { storedConsistencyProof } from './merkle-proofs.js';
import { readRootHash } from './tree-reader.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { KeyCache } from '../key-cache.js';
import type { MerkleTreeAppender } from './tree-appender.js';
import type { CheckpointStore, Clock, KeyCustody, MerkleStore, StoredCheckpoint } from '../ports.js';

export interface CheckpointerDeps {
  tree: MerkleTreeAppender;
  merkle: MerkleStore;
  checkpoints: CheckpointStore;
  custody: KeyCustody;
  keys: KeyCache;
  verify: Ed25519Verify;
  clock: Clock;
  /** An integrity fault (CT-13): the tree contradicts a published checkpoint. Must halt the system. */
  integrityFault: (description: string) => void | Promise<void>;
  log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface CheckpointerOptions {
  /** CHECKPOINT_ORIGIN: the first line of every checkpoint and the key name of its signature. */
  origin: string;
  /** CHECKPOINT_EVERY_EVENTS: publish once this many events are beyond the latest checkpoint… */
  everyEvents: number;
  /** CHECKPOINT_INTERVAL_SECONDS: …or once the latest checkpoint is this old and events exist beyond it. */
  intervalSeconds: number;
  /** How often to catch the tree up and look (default: 1 s, never more than the interval). */
  pollMs?: number;
}

/**
 * Publishes the log's checkpoints (docs/PROTOCOL.md §15.3): every `everyEvents` events or `intervalSeconds`
 * seconds it catches the Merkle tree up with the events, computes the root, proves and checks consistency with the
 * previous checkpoint, signs the note with the log key (SYSTEM:LOG, in custody) and stores it. It never signs a
 * tree inconsistent with an earlier checkpoint: that is an integrity fault, reported once through
 * `integrityFault`, after which this checkpointer signs nothing more.
 */
export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();
  private faulted = false;
  private readonly listeners: Array<(checkpoint: StoredCheckpoint) => void> = [];

  constructor(
    private readonly deps: CheckpointerDeps,
    private readonly options: CheckpointerOptions,
  ) {}

  /** Starts looking every pollMs (first look at once). Idempotent. */
  start(): void {
    if (this.timer !== undefined || this.faulted) return;
    const pollMs = Math.min(this.options.pollMs ?? 1000, this.options.intervalSeconds * 1000);
    const loop = () => {
      this.inFlight = this.tick().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(loop, pollMs).unref();
      });
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  /**
   * Stops looking and waits for a look in progress. With `flush`, then publishes a last checkpoint when events
   * are beyond the latest one, so a restart finds every event anchored (pre-operational checkpoint_anchors); a
   * failure to is logged, never thrown. Never rejects.
   */
  async stop(options: { flush?: boolean } = {}): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight.catch(() => undefined);
    if (options.flush && !this.faulted) {
      await this.publishNow().catch((err: unknown) => this.deps.log('warn', `checkpoint: no last checkpoint on stop: ${(err as Error).message}`, { err: String(err) }));
    }
  }

  /** Calls `listener` with every checkpoint this checkpointer stores (e.g. to collect cosignatures). */
  onPublished(listener: (checkpoint: StoredCheckpoint) => void): void {
    this.listeners.push(listener);
  }

  /** True once an integrity fault stopped this checkpointer for good. */
  get isFaulted(): boolean {
    return this.faulted;
  }

  /** One look: publishes when a checkpoint is due. Errors are logged, never thrown (the next look retries). */
  async tick(): Promise<StoredCheckpoint | undefined> {
    try {
      return await this.publishIf((pending, latest) => latest === undefined || pending >= this.options.everyEvents || this.ageSeconds(latest) >= this.options.intervalSeconds);
    } catch (err) {
      this.deps.log(this.faulted ? 'error' : 'warn', `checkpoint: not published: ${(err as Error).message}`, { err: String(err), code: (err as AppError).code });
      return undefined;
    }
  }

  /**
   * Catches the tree up and publishes a checkpoint of it if events are beyond the latest checkpoint, due or not;
   * resolves with it, or undefined when there was nothing to publish or another instance published it first.
   * Throws MerkleError MERKLE_TREE_INCONSISTENT (after reporting the integrity fault), CustodyError, StoreError.
   */
  publishNow(): Promise<StoredCheckpoint | undefined> {
    return this.publishIf(() => true);
  }

  private async publishIf(due: (pending: number, latest: StoredCheckpoint | undefined) => boolean): Promise<StoredCheckpoint | undefined> {
    if (this.faulted) throw new MerkleError({ code: 'MERKLE_TREE_INCONSISTENT', message: 'the checkpointer stopped after an integrity fault' });
    const treeSize = await this.deps.tree.catchUp();
    const latest = await this.deps.checkpoints.latest();
    const pending = treeSize - (latest?.treeSize ?? 0);
    if (pending <= 0 || !due(pending, latest)) return undefined;
    const rootHash = await readRootHash(this.deps.merkle, treeSize);
    if (latest !== undefined) await this.requireConsistent(latest, treeSize, rootHash);
    const stored = await this.signAndStore(treeSize, rootHash);
    if (stored !== undefined) {
      this.deps.log('info', `checkpoint: published tree size ${treeSize}`, { treeSize, previous: latest?.treeSize ?? 0 });
      for (const listener of this.listeners) listener(stored);
    }
    return stored;
  }

  /** RFC 9162 §2.1.4.2 against the previous checkpoint's SIGNED root: the check before signing (CT-13). */
  private async requireConsistent(latest: StoredCheckpoint, treeSize: number, rootHash: Uint8Array): Promise<void> {
    try {
      const proof = await storedConsistencyProof(this.deps.merkle, latest.treeSize, treeSize);
      verifyConsistency(latest.treeSize, treeSize, proof.consistencyPath, latest.rootHash, rootHash);
    } catch (err) {
      if (!(err instanceof MerkleError)) throw err;
      this.faulted = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      const description = `checkpoint: the Merkle tree of ${treeSize} leaves is not consistent with the published checkpoint of tree size ${latest.treeSize}: ${err.message}`;
      await this.deps.integrityFault(description);
      throw new MerkleError({ code: 'MERKLE_TREE_INCONSISTENT', message: description, details: { treeSize, checkpointTreeSize: latest.treeSize }, cause: err });
    }
  }

  private async signAndStore(treeSize: number, rootHash: Uint8Array): Promise<StoredCheckpoint | undefined> {
    const { origin } = this.options;
    const key = await openKeyOf(LOG_SIGNER_ID, this.deps.keys, this.deps.clock.now());
    if (key === undefined) {
      throw new CustodyError({ code: 'CUSTODY_KEY_NOT_FOUND', message: `${LOG_SIGNER_ID} has no open key to sign checkpoints with (the server provisions one at startup)`, details: { agentId: LOG_SIGNER_ID } });
    }
    // C2SP tlog-checkpoint: the signature covers the note text, i.e. the body, newline-terminated.
    const body = checkpointBody({ origin, treeSize, rootHash });
    const message = utf8(body);
    const signature = await this.deps.custody.sign(key.keyId, message);
    if (!this.deps.verify(signature, message, key.publicKey)) {
      throw new CustodyError({ code: 'CUSTODY_SIGN_FAILED', message: `custody returned a checkpoint signature that does not verify with ${key.keyId}`, details: { keyId: key.keyId } });
    }
    const note = formatSignedNote(body, [signatureLine(origin, logKeyId(origin, key.publicKey), signature)]);
    try {
      return await this.deps.checkpoints.add({ treeSize, rootHash, note, signingKeyId: key.keyId });
    } catch (err) {
      // Another instance stored this or a larger checkpoint first: nothing is lost, its checkpoint stands.
      const now = err instanceof StoreError && (err.code === 'STORE_CONFLICT' || err.code === 'STORE_REJECTED') ? await this.deps.checkpoints.latest() : undefined;
      if (now !== undefined && now.treeSize >= treeSize) return undefined;
      throw err;
    }
  }

  private ageSeconds(checkpoint: StoredCheckpoint): number {
    return (Date.parse(this.deps.clock.now()) - Date.parse(checkpoint.createdAt)) / 1000;
  }
}
