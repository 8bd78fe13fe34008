import { placeEvent } from '../domain/chain/place-event.js';
import { witnessSignatureMessage } from '../domain/signing/messages.js';
import { selectWitness } from '../domain/witness/select-witness.js';
import { toBase64 } from '../domain/encoding/bytes.js';
import { AppError, HaltError } from '../domain/errors.js';
import { isHaltRecordEventType } from '../domain/halt/halt-statements.js';
import { Keyring } from '../domain/signing/keyring.js';
import type { PlacedEvent, StoredEvent } from '../domain/chain/event.types.js';
import type { AppendHead, KeyCustody } from './ports.js';
import type { PendingAppend } from './pending-append.js';
import type { WriteGate } from './write-gate.js';

/** What placing a batch uses besides the head: custody signs the attestations; the gate hears of a halt found under the lock. */
export interface PlaceBatchDeps {
  custody: KeyCustody;
  gate?: WriteGate;
}

/** The events to insert and the queue items they came from, in the same order. */
export interface PlacedBatch {
  events: StoredEvent[];
  placed: PendingAppend[];
}

/**
 * Places `batch` after `head`, inside the transaction that holds the append lock: each event at the next sequence,
 * its agent key re-checked at the authority time, attested by the witness the public selection rule picks. An item
 * refused with an AppError (halted, key not active at authority time, no witness) is rejected alone and left out;
 * any other error throws, as does custody (CustodyError) when signing the attestations.
 */
export async function placeBatch(head: AppendHead, batch: readonly PendingAppend[], agentKeys: Keyring, deps: PlaceBatchDeps): Promise<PlacedBatch> {
  // Witnesses come from the registry as read inside this transaction, never from a cache: the pool must be
  // exactly the one a verifier computes for these events.
  const witnesses = new Keyring(head.witnessKeys);
  // One authority time per batch, so the pool depends only on the agent (it excludes the agent itself).
  const pools = new Map<string, string[]>();
  const placedEvents: Array<{ event: PlacedEvent; witnessId: string; witnessKeyId: string }> = [];
  const placed: PendingAppend[] = [];
  let tip = { sequence: head.sequence, contentHash: head.contentHash };
  for (const item of batch) {
    const { submission } = item;
    if (head.halted && !isHaltRecordEventType(submission.eventType)) {
      // Read under the lock: the halt committed before this transaction, so the database would refuse the event.
      item.reject(new HaltError({ code: 'SYSTEM_HALTED', message: `the system is halted: ${submission.eventType} cannot be stored until a keeper ceremony clears the halt` }));
      continue;
    }
    try {
      // Re-check against the authority time itself: the key may have closed since the submission was queued.
      agentKeys.requireSigningKey(submission.signingKeyId, submission.agentId, head.authorityTime);
      const event = placeEvent(tip, submission, head.authorityTime);
      let pool = pools.get(submission.agentId);
      if (pool === undefined) pools.set(submission.agentId, (pool = witnesses.witnessPoolAt(head.authorityTime, submission.agentId)));
      const witnessId = selectWitness(pool, event.prevHash, event.sequence);
      const witnessKeyId = witnesses.requireWitnessKey(witnessId, head.authorityTime).keyId;
      placedEvents.push({ event, witnessId, witnessKeyId });
      placed.push(item);
      tip = event;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      item.reject(err);
    }
  }
  // The witness signature is not part of content_hash, so the whole batch is placed first and attested in one
  // custody call: no await (and no other work on this thread) between events while the lock is held.
  if (head.halted) deps.gate?.haltSeenByDatabase();
  const signatures = await deps.custody.signAll(
    placedEvents.map(({ event, witnessKeyId }) => ({ keyId: witnessKeyId, message: witnessSignatureMessage(event.contentHash) })),
  );
  const events: StoredEvent[] = placedEvents.map(({ event, witnessId }, i) => ({
    ...event,
    witnessId,
    witnessSignature: toBase64(signatures[i] as Uint8Array),
  }));
  return { events, placed };
}
