import { keyPairFromSeed, signEd25519 } from '../../src/adapters/crypto/sodium-ed25519.js';
import { toBase64, utf8 } from '../../src/domain/encoding/bytes.js';
import { rootFromLeafHashes } from '../../src/domain/merkle/compact-range.js';
import { consistencyProofRanges } from '../../src/domain/merkle/consistency-proof.js';
import { leafHash } from '../../src/domain/merkle/tree-hash.js';
import { formatAddCheckpointRequest } from '../../src/domain/note/add-checkpoint-request.js';
import { checkpointBody, logKeyId, signatureLine } from '../../src/domain/note/checkpoint-note.js';
import { formatSignedNote } from '../../src/domain/note/signed-note.js';

// No vitest import: e2e suites and unit tests share this file.

/**
 * A transparency log for tests of checkpoint cosigning: its leaves (label-dependent, so two labels give two
 * diverging logs), RFC 6962 roots and consistency proofs computed with the domain code, and checkpoints signed with
 * a fixed-seed Ed25519 key under its origin.
 */
export class TestLog {
  readonly publicKey: Uint8Array;
  private readonly secretKey: Buffer;
  private readonly leaves: Uint8Array[];

  /** A log named `origin` whose key comes from the seed `seedByte` repeated. */
  constructor(
    readonly origin: string,
    seedByte: number,
    private readonly label = '',
    inherited?: { leaves: Uint8Array[]; publicKey: Uint8Array; secretKey: Buffer },
  ) {
    const pair = inherited ?? keyPairFromSeed(new Uint8Array(32).fill(seedByte));
    this.publicKey = pair.publicKey;
    this.secretKey = pair.secretKey;
    this.leaves = inherited?.leaves ?? [];
  }

  /** The log's public key in base64, as `--log ORIGIN=KEY` and CHECKPOINT_COSIGNERS take it. */
  get publicKeyB64(): string {
    return toBase64(this.publicKey);
  }

  /** The same log (origin, key) sharing the first `commonSize` leaves, then diverging: a fork. */
  fork(label: string, commonSize: number): TestLog {
    const leaves = this.leavesUpTo(commonSize);
    return new TestLog(this.origin, 0, label, { leaves, publicKey: this.publicKey, secretKey: this.secretKey });
  }

  /** RFC 6962 root of the first `size` leaves. */
  root(size: number): Uint8Array {
    return rootFromLeafHashes(this.leavesUpTo(size));
  }

  /** RFC 6962 consistency proof from `fromSize` to `toSize`. */
  proof(fromSize: number, toSize: number): Uint8Array[] {
    const leaves = this.leavesUpTo(toSize);
    return consistencyProofRanges(fromSize, toSize).map((r) => rootFromLeafHashes(leaves.slice(r.start, r.end)));
  }

  /** The checkpoint note of `size`, signed by the log key (`extensions`: extension lines, each with its newline). */
  checkpoint(size: number, extensions = ''): string {
    const body = `${checkpointBody({ origin: this.origin, treeSize: size, rootHash: this.root(size) })}${extensions}`;
    return formatSignedNote(body, [signatureLine(this.origin, logKeyId(this.origin, this.publicKey), signEd25519(this.secretKey, utf8(body)))]);
  }

  /** The add-checkpoint body for the checkpoint of `size` with a proof from `oldSize` (or `proof` as given). */
  request(oldSize: number, size: number, proof?: Uint8Array[]): string {
    const consistencyProof = proof ?? (oldSize === 0 || oldSize === size ? [] : this.proof(oldSize, size));
    return formatAddCheckpointRequest({ oldSize, consistencyProof, checkpoint: this.checkpoint(size) });
  }

  /** The first `size` leaves, created on demand: SHA-256(0x00 || "<label> leaf <i>"). */
  private leavesUpTo(size: number): Uint8Array[] {
    while (this.leaves.length < size) this.leaves.push(leafHash(utf8(`${this.label} leaf ${this.leaves.length}`)));
    return this.leaves.slice(0, size);
  }
}
