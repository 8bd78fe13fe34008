import { Keyring } from '../../domain/signing/keyring.js';
import { parsePublicKeySet } from '../../domain/signing/public-key-set.js';
import { InputError } from '../../domain/errors.js';
import { readCheckpointDocument, readEventDocument, readInclusionProofDocument, readJsonDocument, type CheckpointDocument, type InclusionProofDocument } from './observer-json.js';
import type { ChainLink, StoredEvent } from '../../domain/chain/event.types.js';
import type { PublicKeyRecord } from '../../domain/signing/key.types.js';

/**
 * What the console fetched to verify one event, each body as the API served it: its text, or the value
 * `response.json()` made of it. Nothing here is trusted; every member is read strictly.
 */
export interface EventVerificationInput {
  /** GET /v1/observer/events/sequence/{n}. */
  event: unknown;
  /** GET /v1/observer/events/sequence/{n-1}; needed when n > 1, ignored for n = 1. */
  previous?: unknown;
  /** GET /v1/observer/keys: the public key set (docs/PROTOCOL.md §9.3). */
  keys: unknown;
  /** GET /v1/observer/checkpoints/latest?format=json; undefined when no checkpoint has been published. */
  checkpoint?: unknown;
  /** GET /v1/observer/proofs/inclusion?sequence=n&tree_size=T; undefined when the event is newer than the checkpoint. */
  proof?: unknown;
}

/** The trust material read from the keys document. */
export interface KeyMaterial {
  keys: PublicKeyRecord[];
  keyring: Keyring;
}

/**
 * The input's documents, each read the first time a step needs it and remembered, value or error. So a malformed
 * document fails the first step that reads it, and only from there on: a keys document that is not one fails the
 * agent signature, not the chain link or the content hash before it.
 */
export class FetchedDocuments {
  readonly event: () => StoredEvent;
  readonly previous: () => ChainLink | undefined;
  readonly keys: () => KeyMaterial;
  readonly checkpoint: () => CheckpointDocument | undefined;
  readonly proof: () => InclusionProofDocument | undefined;

  constructor(input: EventVerificationInput) {
    this.event = once(() => readEventDocument(input.event, 'the event'));
    this.previous = once(() => this.readPrevious(input.previous));
    this.keys = once(() => {
      const keys = parsePublicKeySet(readJsonDocument(input.keys, 'the keys document'));
      return { keys, keyring: new Keyring(keys) };
    });
    this.checkpoint = once(() => (input.checkpoint === undefined ? undefined : readCheckpointDocument(input.checkpoint, 'the checkpoint')));
    this.proof = once(() => (input.proof === undefined ? undefined : readInclusionProofDocument(input.proof, 'the inclusion proof')));
  }

  /** The predecessor's link data (as served: the predecessor itself is not verified, like verify-db's anchor, §7.2). */
  private readPrevious(body: unknown): ChainLink | undefined {
    const { sequence } = this.event();
    if (sequence === 1) return undefined; // the genesis event links to 64 zeros, not to an event
    if (body === undefined) {
      throw new InputError({
        code: 'INPUT_FIELD_INVALID',
        message: `the previous event (sequence ${sequence - 1}) is needed to check the link of sequence ${sequence}`,
        details: { field: 'previous' },
      });
    }
    const previous = readEventDocument(body, 'the previous event');
    return { sequence: previous.sequence, contentHash: previous.contentHash, authorityTimestamp: previous.authorityTimestamp };
  }
}

/** `read`, called at most once: later calls return its value or throw its error again. */
function once<T>(read: () => T): () => T {
  let outcome: { value: T } | { error: unknown } | undefined;
  return () => {
    if (outcome === undefined) {
      try {
        outcome = { value: read() };
      } catch (error) {
        outcome = { error };
      }
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
}
