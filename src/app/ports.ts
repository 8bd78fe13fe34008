import type { Archon } from '../domain/deliberation/archon.js';
import type { CheckResult } from '../domain/governance/preoperational.js';
import type { ChainHead, ChainLink, StoredEvent } from '../domain/chain/event.types.js';
import type { KeyRevocation, PublicKeyRecord } from '../domain/signing/key.types.js';
import type { LeafSource } from '../domain/merkle/event-leaf.js';
import type { MerkleNode, NodeId } from '../domain/merkle/subtree-range.js';

/**
 * A change to halt_state made in the same transaction as the events of an append, so the record of a halt or of
 * its clearing and the state it describes commit together. `raise-halt` follows a single halt.triggered event and
 * leaves an existing halt as it is (the event is still recorded); `clear-halt` follows the halt.cleared event of
 * the ceremony (migration 007 checks it).
 */
export type AppendEffect =
  | { kind: 'raise-halt'; reason: string; source: string; haltedBy: string }
  | { kind: 'clear-halt'; ceremonyId: string };

/** The canonical halt state (the halt_state row). */
export interface HaltRecord {
  halted: boolean;
  reason: string | undefined;
  source: string | undefined;
  haltedBy: string | undefined;
  /** Canonical timestamps. */
  haltedAt: string | undefined;
  clearedAt: string | undefined;
  /** Sequence of the halt.triggered event of the current or last halt, when it was recorded with one. */
  haltEventSequence: number | undefined;
  /** The chain head when the current or last halt was raised (set by the database). */
  haltedAfterSequence: number | undefined;
  ceremonyId: string | undefined;
}

/** Reads and, when no event can be signed, raises the canonical halt state. */
export interface HaltStateStore {
  /** The halt_state row. Throws StoreError STORE_UNAVAILABLE when the database cannot be read. */
  read(): Promise<HaltRecord>;
  /**
   * Raises the halt without a halt.triggered event: the last resort when the event cannot be signed or witnessed
   * (CT-11: halting is never refused). Leaves an existing halt as it is. Returns the state afterwards.
   */
  raiseWithoutEvent(reason: string, source: string, haltedBy: string): Promise<HaltRecord>;
  /** Sequence of the halt.cleared event of ceremony `ceremonyId`, if one is stored. */
  clearEventSequence(ceremonyId: string): Promise<number | undefined>;
}

/** The chain head as the store sees it inside an appending transaction, plus the authority time to use. */
export interface AppendHead extends ChainHead {
  /** Database clock read inside the transaction, after the serialization point: the batch's authority_timestamp. */
  authorityTime: string;
  /** Every witness key, read under the serialization point, so the registry cannot change before commit. */
  witnessKeys: PublicKeyRecord[];
  /**
   * halt_state.is_halted, read under the serialization point: a halt cannot be raised until this transaction ends
   * (raising one takes the same lock), so while false nothing the batch holds will be refused for a halt.
   */
  halted: boolean;
}

/**
 * The append-only event log. `append` is the only write: it runs `build` inside one transaction after taking the
 * store's serialization point, so `head` cannot move until the transaction ends, then inserts what `build`
 * returned. A rejected batch consumes nothing. Throws StoreError STORE_REJECTED (a database rule refused an event;
 * the message names it), STORE_CONFLICT (an event_id is already stored) or STORE_UNAVAILABLE.
 */
export interface EventStore {
  append(build: (head: AppendHead) => Promise<StoredEvent[]>, effect?: AppendEffect): Promise<StoredEvent[]>;
  /** The last stored event's link data, or undefined for an empty log. */
  head(): Promise<ChainLink | undefined>;
  /** Events with fromSequence ≤ sequence ≤ toSequence, ascending, at most `limit` of them. */
  readRange(fromSequence: number, toSequence: number, limit: number): Promise<StoredEvent[]>;
  /** The last `count` events, ascending. */
  readLatest(count: number): Promise<StoredEvent[]>;
}

/** New key to register: agent_keys for agents, system actors and witnesses; keeper_keys for KEEPER:… ids. */
export interface KeyRegistration {
  agentId: string;
  keyId: string;
  publicKey: Uint8Array;
}

/**
 * The public key registry (agent_keys and keeper_keys). Keys are never deleted (FR76); a key is retired by
 * closing it. Every change takes the append lock and uses the database clock, so a key window never reaches
 * into the past of the log. Database refusals surface as StoreError STORE_REJECTED (rule 'key history' or
 * 'key registration') or STORE_CONFLICT for a key id that exists.
 */
export interface KeyRegistry {
  /** Every agent, system and witness key (agent_keys), open or closed. */
  listKeys(): Promise<PublicKeyRecord[]>;
  /** Every keeper key (keeper_keys), open or closed; agentId is the keeper id. */
  listKeeperKeys(): Promise<PublicKeyRecord[]>;
  /** Registers an agent key active from the database's now. */
  registerKey(registration: KeyRegistration): Promise<PublicKeyRecord>;
  /**
   * Rotation: closes the agent's open key and opens `registration` at the same database instant, in one
   * transaction. Throws KeyError KEY_NOT_OPEN when the agent has no open key.
   */
  rotateKey(registration: KeyRegistration): Promise<{ closed: PublicKeyRecord; opened: PublicKeyRecord }>;
  /** Closes the open key `keyId` (agent or keeper) at the database's now. Throws KeyError KEY_NOT_FOUND / KEY_NOT_OPEN. */
  closeKey(keyId: string): Promise<PublicKeyRecord>;
  /**
   * Registers a keeper key, closing the keeper's open key at the same instant if it has one. The database refuses
   * it unless its keeper.key_registered event is stored (migration 008).
   */
  registerKeeperKey(registration: KeyRegistration): Promise<PublicKeyRecord>;
  /** Sequence of the stored keeper.key_registered event for `keyId`, if any. */
  keeperRegistrationSequence(keyId: string): Promise<number | undefined>;
  /** Every recorded revocation (key.revoked events), in log order. */
  listRevocations(): Promise<KeyRevocation[]>;
  /** A numeric constitutional_config setting, or undefined when unset. */
  setting(key: string): Promise<number | undefined>;
}

/** Private-key custody: a software HSM in development, PKCS#11 in production. Private keys never leave it. */
export interface KeyCustody {
  /** DEVELOPMENT for software keys (key ids start with dev-), PRODUCTION for an HSM. */
  readonly mode: 'DEVELOPMENT' | 'PRODUCTION';
  /** Generates a key for `agentId` inside custody; returns its id and raw public key. */
  generateKey(agentId: string): Promise<{ keyId: string; publicKey: Uint8Array }>;
  /** True when custody holds the private key `keyId`. */
  hasKey(keyId: string): Promise<boolean>;
  /** Ed25519 signature of `message`. Throws CustodyError CUSTODY_KEY_NOT_FOUND when the key is not held. */
  sign(keyId: string, message: Uint8Array): Promise<Uint8Array>;
  /**
   * Signatures of several messages, in order, in one call (an HSM can spread them over its sessions). All or
   * nothing: throws CustodyError CUSTODY_KEY_NOT_FOUND if any key is not held.
   */
  signAll(requests: ReadonlyArray<{ keyId: string; message: Uint8Array }>): Promise<Uint8Array[]>;
  /** Releases sessions and handles (PKCS#11 logout and finalize). Idempotent. */
  close(): Promise<void>;
}

/** Applies and checks the numbered SQL migrations. */
export interface SchemaMigrator {
  /** Applies pending migrations in order; returns the versions applied (empty when up to date). */
  migrate(onApplied?: (version: string, name: string) => void): Promise<string[]>;
  /** Versions known to the code but not applied. Throws STORE_MIGRATION_EDITED if an applied file changed. */
  pending(): Promise<string[]>;
}

/** constitutional_config and the database's count of refused attempts to weaken it (migration 010). */
export interface ConstitutionStore {
  /** Every constitutional_config row (key → value); empty when the table does not exist yet (before migrations). */
  settings(): Promise<Map<string, number>>;
  /** Refused writes the database counted, and how many of them have already halted the system. */
  violationAttempts(): Promise<{ counted: number; acknowledged: number }>;
  /** Records that the attempts up to `counted` have halted the system (it only moves forward). */
  acknowledgeViolationAttempts(counted: number): Promise<void>;
}

/** One pre-operational verification run (FR146), as recorded in preoperational_verifications. */
export interface VerificationRecord {
  startedAt: string;
  outcome: 'passed' | 'failed' | 'bypassed';
  postHalt: boolean;
  /** First sequence the chain check verified, when it verified any. */
  chainFrom: number | undefined;
  /** The last event known verified after this run (this run's or an earlier one's), when the chain passed. */
  chainThrough: { sequence: number; hash: string } | undefined;
  checks: CheckResult[];
  environment: string;
  instance: string;
}

/** The append-only record of pre-operational verification runs. */
export interface VerificationLog {
  record(run: VerificationRecord): Promise<void>;
  /** The latest recorded point up to which the chain was verified; where the next run starts. */
  lastVerifiedPoint(): Promise<{ sequence: number; hash: string } | undefined>;
  /** Runs recorded as bypassed within the last `seconds` (database clock). */
  bypassesWithin(seconds: number): Promise<number>;
}

/** Clock-drift warnings the database records (migration 005). */
export interface ClockDriftLog {
  /** Warnings recorded within the last `seconds`, and in all. */
  counts(seconds: number): Promise<{ recent: number; total: number; latestAt: string | undefined }>;
}

/** Wall clock, injectable for tests. */
export interface Clock {
  /** Current time as a canonical protocol timestamp. */
  now(): string;
}

/** What the fast channel says about a halt. The database's halt_state is canonical; the channel only mirrors it. */
export interface HaltSignal {
  /** Why; for an operator's `redis-cli SET`, whatever archon72:halt:reason holds (possibly nothing yet). */
  reason: string | undefined;
  /** What raised it: api, keeper, redis, verification, cli … (undefined when an operator set the key by hand). */
  source: string | undefined;
  /** When it was raised, canonical timestamp, when the raiser said so. */
  at: string | undefined;
}

/** A change seen on the fast channel. */
export type HaltChannelEvent = ({ kind: 'raised' } & HaltSignal) | { kind: 'cleared' };

/**
 * The fast halt channel: Redis (keys archon72:halt:active / archon72:halt:reason as runbook §9.3 uses them, plus
 * pub/sub), or an in-process channel in the embedded default. It wakes every instance at once; the database
 * enforces the halt whatever the channel says.
 */
export interface HaltChannel {
  /** Sets archon72:halt:active = "true" and archon72:halt:reason, and publishes the signal to every instance. */
  raise(signal: HaltSignal): Promise<void>;
  /** Deletes both keys and publishes the clear (only after a ceremony cleared the database). */
  clear(): Promise<void>;
  /** The flag as stored now. Throws HaltError HALT_CHANNEL_UNAVAILABLE when the channel cannot be read. */
  read(): Promise<{ active: boolean; reason: string | undefined }>;
  /**
   * Calls `listener` for every raise or clear seen: published by an instance, or written by hand to the keys
   * (an operator's `redis-cli SET archon72:halt:active "true"`), within the channel's poll interval at worst.
   * Returns the function that stops watching.
   */
  watch(listener: (event: HaltChannelEvent) => void): () => void;
  /** Calls `listener` when the channel becomes reachable or unreachable. Returns the function that stops it. */
  onAvailability(listener: (available: boolean) => void): () => void;
  /** True while the channel answers. The in-process channel always does. */
  readonly available: boolean;
  /** 'redis' or 'in-process', for /v1/ready and logs. */
  readonly kind: 'redis' | 'in-process';
  close(): Promise<void>;
}

/** Which events an observer asks for; every member given narrows the answer. */
export interface EventFilter {
  /** Any of these event types (none given: every type). */
  eventTypes?: readonly string[];
  agentId?: string;
  /** RFC 3339: events with authority_timestamp ≥ from. */
  from?: string;
  /** RFC 3339: events with authority_timestamp < to (half-open, so adjacent windows never overlap). */
  to?: string;
  /** The events of one Conclave session: conclave.* events whose payload session_id is this. */
  sessionId?: string;
}

/**
 * Read-only queries over the stored log, for the observer API (no authentication, no writes). Every answer is
 * in sequence order. Appends commit in sequence order (each holds the append lock until it commits), so paging by
 * "sequence > last seen" never skips an event that commits later. Throws StoreError STORE_UNAVAILABLE.
 */
export interface EventQuery {
  /** At most `limit` events with sequence > afterSequence that match `filter`, ascending. */
  listEvents(afterSequence: number, limit: number, filter: EventFilter): Promise<StoredEvent[]>;
  /** The event with this event_id (a lowercase UUID), or undefined. */
  eventById(eventId: string): Promise<StoredEvent | undefined>;
  /** The event at this sequence, or undefined. */
  eventBySequence(sequence: number): Promise<StoredEvent | undefined>;
}

/** The latest stored checkpoint, as export manifests cite it (docs/PROTOCOL.md §16–§17). */
export interface LatestCheckpoint {
  treeSize: number;
  /** Standard padded base64 of the 32-byte root hash, as in the checkpoint body. */
  rootHash: string;
  /** The whole signed note (body, blank line, signature lines). */
  note: string;
}

/**
 * Where export manifests read the latest checkpoint from. Minimal on purpose: the checkpoint store implements it;
 * until checkpoints exist, `NO_CHECKPOINTS` (src/app/export/export-manifest.ts) answers undefined.
 */
export interface CheckpointReader {
  /** The checkpoint with the greatest tree size, or undefined when none has been published. Throws StoreError. */
  latestCheckpoint(): Promise<LatestCheckpoint | undefined>;
}

/** What a Merkle leaf commits to, with the event's sequence (leaf index = sequence − 1). */
export type LeafEvent = LeafSource & { sequence: number };

/**
 * The stored Merkle tree (merkle_nodes, migration 011): every perfect subtree of the tree over the events, checked
 * by the database on insert (a wrong hash, a gap or a node before its children: StoreError STORE_REJECTED, rule
 * 'merkle tree'). Throws StoreError STORE_UNAVAILABLE when the database cannot be reached.
 */
export interface MerkleStore {
  /** Leaves stored: the tree covers events 1..treeSize. */
  treeSize(): Promise<number>;
  /** The hashes of these nodes, in the order asked; undefined for a node not stored. One query. */
  readNodes(ids: readonly NodeId[]): Promise<Array<Uint8Array | undefined>>;
  /** At most `limit` events with sequence > afterSequence, ascending: only the columns a leaf commits to. */
  readLeafEvents(afterSequence: number, limit: number): Promise<LeafEvent[]>;
  /**
   * Stores `nodes` (bottom-up, as CompactRange.append returns them) in one transaction, provided the stored tree
   * still has `fromSize` leaves; returns false, storing nothing, when another writer changed it first.
   */
  appendNodes(fromSize: number, nodes: readonly MerkleNode[]): Promise<boolean>;
}

/** A stored checkpoint (checkpoints, migration 011). */
export interface StoredCheckpoint {
  treeSize: number;
  /** RFC 6962 root hash of the tree of treeSize leaves, 32 bytes. */
  rootHash: Uint8Array;
  /** The signed note as published (C2SP tlog-checkpoint): body, blank line, the log's signature line. */
  note: string;
  /** agent_keys.key_id of the SYSTEM:LOG key that signed it. */
  signingKeyId: string;
  /** Database clock when stored, canonical timestamp. */
  createdAt: string;
}

/**
 * The log's checkpoints, append-only; tree sizes only grow. Implements CheckpointReader for export manifests.
 * Throws StoreError STORE_UNAVAILABLE when the database cannot be reached.
 */
export interface CheckpointStore extends CheckpointReader {
  /**
   * Stores a checkpoint. Throws StoreError STORE_CONFLICT when one of that tree size exists, STORE_REJECTED (rule
   * 'merkle tree') when it is smaller than the latest, its root or note disagrees with merkle_nodes, or its key is
   * not an open SYSTEM:LOG key.
   */
  add(checkpoint: Omit<StoredCheckpoint, 'createdAt'>): Promise<StoredCheckpoint>;
  /** The checkpoint with the greatest tree size, or undefined when none is stored. */
  latest(): Promise<StoredCheckpoint | undefined>;
  /** At most `limit` checkpoints with tree size > afterTreeSize, ascending. */
  page(afterTreeSize: number, limit: number): Promise<StoredCheckpoint[]>;
  /** The checkpoint of exactly this tree size, or undefined. */
  byTreeSize(treeSize: number): Promise<StoredCheckpoint | undefined>;
}

/** A cosignature (C2SP tlog-cosignature/v1) of a stored checkpoint (cosignatures, migration 011). */
export interface StoredCosignature {
  /** The cosigned checkpoint's tree size (checkpoints.tree_size). */
  treeSize: number;
  /** The cosigner's name: the key name of its line. */
  cosigner: string;
  /** SHA-256(cosigner || 0x0A || 0x04 || public key)[:4]. */
  keyId: Uint8Array;
  /** POSIX seconds the cosigner signed (the line's timestamp). */
  timestamp: number;
  /** The 64-byte Ed25519 signature over "cosignature/v1\ntime <timestamp>\n" || the checkpoint's note text. */
  signature: Uint8Array;
}

/**
 * Verified cosignatures of the log's checkpoints; append-only. Only verified cosignatures are stored (the caller
 * checks them first). Throws StoreError STORE_UNAVAILABLE when the database cannot be reached.
 */
export interface CosignatureStore {
  /**
   * Stores a cosignature; resolves false, storing nothing, when this cosigner already has one for that checkpoint.
   * Throws StoreError STORE_REJECTED when no checkpoint of that tree size is stored.
   */
  add(cosignature: StoredCosignature): Promise<boolean>;
  /** The cosignatures of the checkpoint of this tree size, ordered by cosigner name. */
  forCheckpoint(treeSize: number): Promise<StoredCosignature[]>;
}

/** What a checkpoint cosigner answered to add-checkpoint (C2SP tlog-witness). */
export type AddCheckpointResult =
  /** 200: the body, one or more note signature lines (not yet verified). */
  | { kind: 'cosigned'; lines: string }
  /** 409 text/x.tlog.size: the size of the latest checkpoint the cosigner cosigned for this log. */
  | { kind: 'conflict'; knownSize: number }
  /** Any other answer (4xx, 5xx, a malformed 409), or none: a timeout, a refused connection. */
  | { kind: 'failed'; reason: string; status?: number; code?: string };

/** Talks to checkpoint cosigners over HTTP (tlog-witness). Never throws: every failure is a result. */
export interface CosignerClient {
  /** POSTs `body` to `<url>/add-checkpoint`, giving up after `timeoutMs`. */
  addCheckpoint(url: string, body: string, timeoutMs: number): Promise<AddCheckpointResult>;
}

// The checkpoint cosigner (`archon72 witness serve`, C2SP tlog-witness): its state and its key.

/** The latest checkpoint a cosigner cosigned for one log (origin). */
export interface CosignedCheckpoint {
  treeSize: number;
  /** RFC 6962 root hash, 32 bytes. */
  rootHash: Uint8Array;
  /** The checkpoint's note text (body, extension lines included), as cosigned. */
  checkpoint: string;
  /** POSIX seconds of the cosignature. */
  cosignedAt: number;
}

/**
 * The cosigner's memory of what it cosigned, one record per origin. It must survive crashes and restarts: a
 * cosigner that forgot could be made to cosign a fork.
 */
export interface CosignerStateStore {
  /** The latest checkpoint cosigned for `origin`, or undefined if none. */
  latest(origin: string): CosignedCheckpoint | undefined;
  /**
   * Makes `checkpoint` the latest for `origin`, durably and atomically (a crash leaves either the old or the new
   * state, never a mix), before resolving. Throws CosignerError COSIGNER_STATE_WRITE_FAILED; the state is then
   * unchanged.
   */
  commit(origin: string, checkpoint: CosignedCheckpoint): Promise<void>;
}

/** The cosigner's Ed25519 key: it signs in this process only. */
export interface CosignerSigner {
  /** The cosigner's name: the key name of its cosignature lines. */
  name: string;
  /** Raw Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** Detached Ed25519 signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * Where a vote_validation prompt shows the vote under review: the first non-empty text after this marker (on the
 * same line, or else on the following lines) is the vote's first line, e.g. `VOTE UNDER REVIEW:\n{"choice":"NAY"}`.
 */
export const VOTE_VALIDATION_MARKER = 'VOTE UNDER REVIEW:';

/** What a Conclave act asks of an archon's model. */
export type LlmPurpose = 'roll_call' | 'second' | 'speech' | 'red_team' | 'digest' | 'vote' | 'vote_validation';

/** One call to an archon's language model (the Conclave's only non-deterministic input). */
export interface LlmRequest {
  /** The archon who answers (the digest and vote validations are answered by a secretary archon). */
  archon: Archon;
  purpose: LlmPurpose;
  /** The system message: the archon's persona and the Conclave's rules for this act. */
  system: string;
  /** The user message: the motion, what was said so far, and what to answer and in which format. */
  prompt: string;
  /**
   * Structured facts of the act for providers that do not read prose (the simulated one): the motion, the side the
   * archon must argue (steelman, red team), its stance so far. Chat providers ignore it.
   */
  hints: LlmHints;
  /** Stable for this act of this session: the simulated provider derives its answer from it alone. */
  seed: string;
}

export interface LlmHints {
  motionTitle: string;
  motionKind: string;
  /** The side the archon is told to argue (consensus break steelman, red team), if any. */
  mustArgue?: 'FOR' | 'AGAINST';
  /** The archon's last declared stance in this session, if any. */
  priorStance?: 'FOR' | 'AGAINST' | 'NEUTRAL';
  /** Stances declared so far in the session. */
  tally?: { FOR: number; AGAINST: number; NEUTRAL: number };
}

/** A model's answer: its text, verbatim (the procedure parses it strictly and records what it could not parse). */
export interface LlmReply {
  text: string;
  /** Which model answered (provider/model), recorded with the act. */
  model: string;
}

/**
 * An archon's language model. Throws LlmError (LLM_TIMEOUT, LLM_UNREACHABLE, LLM_RATE_LIMITED, LLM_HTTP_ERROR with
 * details.status, LLM_BAD_RESPONSE), with details.transient saying whether a retry may help. `signal` aborts the
 * call (LLM_TIMEOUT).
 */
export interface LlmClient {
  complete(request: LlmRequest, signal?: AbortSignal): Promise<LlmReply>;
}

/** One prebuilt file of the observer console (GET /, /console/…), held in memory: the files are small and fixed. */
export interface StaticAsset {
  /** URL path it is served at. */
  path: string;
  contentType: string;
  body: Uint8Array;
  /** Strong entity tag of the body (quoted), for If-None-Match. */
  etag: string;
}
