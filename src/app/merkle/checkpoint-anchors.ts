import { AppError, MerkleError, StoreError } from '../../domain/errors.js';
import { hashesEqual } from '../../domain/merkle/tree-hash.js';
import { CompactRange } from '../../domain/merkle/compact-range.js';
import { eventLeafHash } from '../../domain/merkle/event-leaf.js';
import { parseCheckpointBody } from '../../domain/note/checkpoint-note.js';
import { parseSignedNote } from '../../domain/note/signed-note.js';
import { verifyNoteSignature } from '../../domain/note/verify-note.js';
import { isDevelopmentKeyId, isKeyActiveAt } from '../../domain/signing/key.types.js';
import { toBase64 } from '../../domain/encoding/bytes.js';
import { LOG_SIGNER_ID } from '../provision-keys.js';
import { readRootHash } from './tree-reader.js';
import type { CheckResult } from '../../domain/governance/preoperational.js';
import type { MerkleNode } from '../../domain/merkle/subtree-range.js';
import type { Ed25519Verify } from '../../domain/signing/ed25519.js';
import type { KeyCache } from '../key-cache.js';
import type { CheckpointStore, EventStore, MerkleStore, StoredCheckpoint } from '../ports.js';

/** Events read per query while the root is recomputed. */
const RECOMPUTE_PAGE = 10_000;

export interface CheckpointAnchorDeps {
  checkpoints: CheckpointStore;
  merkle: MerkleStore;
  store: Pick<EventStore, 'head'>;
  keys: KeyCache;
  verify: Ed25519Verify;
  /** Whether development keys may have signed (DEV_MODE); a production verifier refuses them. */
  allowDevelopmentKeys: boolean;
}

export interface CheckpointAnchorOptions {
  /** constitutional_config.checkpoint_max_age_seconds. */
  maxAgeSeconds: number;
  /** CHECKPOINT_ORIGIN, when configured: the latest checkpoint must be this log's. */
  origin: string | undefined;
  /** The service clock, canonical timestamp. */
  now: string;
  /**
   * Compare every stored node of merkle_nodes with the one the events give, not only the root's (`verify-db
   * --full`, after a restore): a changed node off the root's path would otherwise show only as a bad proof.
   */
  everyNode?: boolean;
}

const CHECK = 'checkpoint_anchors' as const;
const failed = (detail: string): CheckResult => ({ check: CHECK, status: 'failed', detail });

/**
 * Pre-operational "checkpoint anchors" (runbook §6.2): the latest checkpoint is this log's, its note is signed by
 * the SYSTEM:LOG key the registry holds for its time, and its root hash is recomputed from the EVENTS (leaf by
 * leaf, O(n) at startup, constant memory), not only from merkle_nodes, which must agree too. It fails when events
 * were appended more than checkpoint_max_age_seconds after the latest checkpoint (the checkpointer stalled while
 * the log grew); a checkpoint that is only old because the service was down warns (the checkpointer publishes on
 * start). No checkpoint: skipped for an empty log, a warning otherwise. Throws StoreError when the database fails.
 */
export async function verifyCheckpointAnchors(deps: CheckpointAnchorDeps, options: CheckpointAnchorOptions): Promise<CheckResult> {
  const [latest, head] = [await deps.checkpoints.latest(), await deps.store.head()];
  if (latest === undefined) {
    if (head === undefined) return { check: CHECK, status: 'skipped', detail: 'no events and no checkpoint yet' };
    return { check: CHECK, status: 'warning', detail: `${head.sequence} events and no checkpoint yet: the checkpointer publishes the first one once the service starts` };
  }
  const refusal = await verifySignature(deps, latest, options.origin);
  if (refusal !== undefined) return failed(refusal);
  const started = performance.now();
  let recomputed: Uint8Array | undefined;
  try {
    const outcome = await recomputeRoot(deps.merkle, latest.treeSize, options.everyNode === true);
    if ('differs' in outcome) {
      const node = outcome.differs;
      const at = `level ${node.level}, index ${node.index}`;
      return failed(`checkpoint of tree size ${latest.treeSize}: merkle_nodes ${node.stored === undefined ? `lacks the node at ${at}` : `holds another node at ${at} than the events give`}`);
    }
    recomputed = outcome.root;
  } catch (err) {
    // A stored row no leaf can be made of (a malformed hash or signature): the events do not give the root.
    if (err instanceof AppError && !(err instanceof StoreError)) return failed(`checkpoint of tree size ${latest.treeSize}: an event is not a valid leaf: ${err.code}: ${err.message}`);
    throw err;
  }
  if (recomputed === undefined) return failed(`checkpoint of tree size ${latest.treeSize}: the log holds fewer events`);
  if (!hashesEqual(recomputed, latest.rootHash)) {
    return failed(`checkpoint of tree size ${latest.treeSize}: its root hash ${toBase64(latest.rootHash)} is not the root of events 1–${latest.treeSize} (${toBase64(recomputed)})`);
  }
  const stored = await readRootHash(deps.merkle, latest.treeSize).catch((err: unknown) => {
    if (err instanceof MerkleError) return undefined;
    throw err;
  });
  if (stored === undefined || !hashesEqual(stored, recomputed)) return failed(`checkpoint of tree size ${latest.treeSize}: merkle_nodes does not hold the tree the events give`);
  const ms = Math.round(performance.now() - started);
  const detail = `checkpoint of tree size ${latest.treeSize} (${latest.createdAt}) signed by ${latest.signingKeyId}; root recomputed from ${latest.treeSize} events in ${ms} ms`;
  return checkAge(latest, head?.authorityTimestamp, head?.sequence ?? 0, options, detail);
}

/** Why the checkpoint's note is not a valid signed checkpoint of this log, or undefined when it is. */
async function verifySignature(deps: CheckpointAnchorDeps, latest: StoredCheckpoint, origin: string | undefined): Promise<string | undefined> {
  const at = `checkpoint of tree size ${latest.treeSize}`;
  const key = (await deps.keys.including(latest.signingKeyId)).get(latest.signingKeyId);
  if (key === undefined || key.agentId !== LOG_SIGNER_ID) return `${at}: ${latest.signingKeyId} is not a registered ${LOG_SIGNER_ID} key`;
  if (!isKeyActiveAt(key, latest.createdAt)) return `${at}: key ${key.keyId} was not active at ${latest.createdAt}`;
  if (!deps.allowDevelopmentKeys && isDevelopmentKeyId(key.keyId)) return `${at}: signed with the development key ${key.keyId}, which production does not accept`;
  try {
    // The note is re-read as an outsider would: parsed, its body checked against the row, its signature verified.
    const note = parseSignedNote(latest.note);
    const body = parseCheckpointBody(note.text);
    if (origin !== undefined && body.origin !== origin) return `${at}: its origin ${JSON.stringify(body.origin)} is not this log's (${JSON.stringify(origin)})`;
    if (body.treeSize !== latest.treeSize || !hashesEqual(body.rootHash, latest.rootHash)) return `${at}: its note states another tree size or root hash`;
    verifyNoteSignature(note, { keyName: body.origin, publicKey: key.publicKey }, deps.verify);
    return undefined;
  } catch (err) {
    if (err instanceof AppError) return `${at}: ${err.code}: ${err.message}`;
    throw err;
  }
}

/** A stored node that is not the one the events give (stored undefined: missing). */
interface DifferentNode {
  level: number;
  index: number;
  stored: Uint8Array | undefined;
}

/**
 * RFC 6962 root of events 1..treeSize from their rows (root undefined when fewer are stored). With `everyNode`, each
 * page's completed perfect subtrees are also read from merkle_nodes (one query a page) and the first that differs
 * is returned instead.
 */
async function recomputeRoot(merkle: MerkleStore, treeSize: number, everyNode: boolean): Promise<{ root: Uint8Array | undefined } | { differs: DifferentNode }> {
  const range = CompactRange.empty();
  while (range.treeSize < treeSize) {
    const events = await merkle.readLeafEvents(range.treeSize, Math.min(RECOMPUTE_PAGE, treeSize - range.treeSize));
    if (events.length === 0) return { root: undefined };
    // readLeafEvents is ordered by sequence with no gaps (the events triggers refuse gaps), so leaf i is sequence i+1.
    const completed: MerkleNode[] = [];
    for (const event of events) completed.push(...range.append(eventLeafHash(event)));
    if (everyNode) {
      const stored = await merkle.readNodes(completed);
      const at = completed.findIndex((node, i) => stored[i] === undefined || !hashesEqual(stored[i] as Uint8Array, node.hash));
      if (at >= 0) return { differs: { level: (completed[at] as MerkleNode).level, index: (completed[at] as MerkleNode).index, stored: stored[at] } };
    }
  }
  return { root: range.rootHash() };
}

/** Age rule: failed when the log grew for longer than the maximum age without a checkpoint. */
function checkAge(latest: StoredCheckpoint, headTime: string | undefined, headSequence: number, options: CheckpointAnchorOptions, detail: string): CheckResult {
  if (headSequence <= latest.treeSize || headTime === undefined) return { check: CHECK, status: 'passed', detail: `${detail}; every event is anchored` };
  const created = Date.parse(latest.createdAt);
  const grewFor = (Date.parse(headTime) - created) / 1000;
  const unanchored = headSequence - latest.treeSize;
  if (grewFor > options.maxAgeSeconds) {
    return failed(`${detail}; but ${unanchored} events were appended up to ${Math.round(grewFor)} s after it, beyond checkpoint_max_age_seconds (${options.maxAgeSeconds}): the checkpointer stalled`);
  }
  const age = (Date.parse(options.now) - created) / 1000;
  if (age > options.maxAgeSeconds) {
    return { check: CHECK, status: 'warning', detail: `${detail}; it is ${Math.round(age)} s old (max ${options.maxAgeSeconds}) with ${unanchored} events beyond it, appended before the service stopped: the checkpointer publishes on start` };
  }
  return { check: CHECK, status: 'passed', detail: `${detail}; ${unanchored} events beyond it, within checkpoint_max_age_seconds (${options.maxAgeSeconds})` };
}
