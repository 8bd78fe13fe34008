import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../src/domain/encoding/bytes.js';
import { ChainError, InputError, SignatureError, WitnessError, type AppError, type ErrorCode } from '../../src/domain/errors.js';
import type { ChainLink, SignedBody, StoredEvent } from '../../src/domain/chain/event.types.js';
import type { EventJson } from '../../src/domain/chain/event-json.js';
import type { JsonObject } from '../../src/domain/chain/canonical-json.js';
import type { PublicKeyRecord } from '../../src/domain/signing/key.types.js';

/** Reads test/vectors: one file written by scripts/gen-vectors.ts (see test/vectors/README.md). */

export interface Vector<I = unknown, E = unknown> {
  description: string;
  input: I;
  expected?: E;
  expectedError?: ErrorCode;
}

/** Protocol (snake_case) JSON of a predecessor link, as the vector files hold it. */
export interface LinkJson {
  sequence: number;
  content_hash: string;
  authority_timestamp: string;
}

/** Protocol (snake_case) JSON of a signed body, as the vector files hold it. */
export type SignedBodyJson = Pick<EventJson, 'event_id' | 'event_type' | 'payload' | 'agent_id' | 'signing_key_id' | 'local_timestamp'>;

export interface KeyVectorInput {
  kind: 'key';
  seedHex: string;
  keyId: string;
  agentId: string;
  activeFrom: string;
  activeUntil: string | null;
}

export interface EventVectorInput {
  kind: 'event';
  prev: LinkJson | null;
  body: SignedBodyJson;
  authority_timestamp: string;
}

export interface EventVectorExpected {
  signedBodyCanonical: string;
  eventSignatureMessageHex: string;
  agentSignature: string;
  contentHashInput: string;
  contentHash: string;
  witnessPool: string[];
  witnessSelection: { digestHex: string; index: number; witnessId: string };
  witnessSignatureMessageHex: string;
  witnessSignature: string;
  event: EventJson;
}

/** The vectors of one committed file. */
export function loadVectors<I, E = unknown>(file: string): Vector<I, E>[] {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../vectors/${file}`, import.meta.url)), 'utf8')) as Vector<I, E>[];
}

/** Bytes of lowercase hex; fails the test on anything else. */
export function hexBytes(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`not lowercase hex: ${text}`);
  return bytes;
}

/** The key registry of event-chain.json as domain records. */
export function chainKeys(): PublicKeyRecord[] {
  return loadVectors<KeyVectorInput | EventVectorInput, { publicKeyHex: string }>('event-chain.json').flatMap((v) =>
    v.input.kind === 'key'
      ? [
          {
            keyId: v.input.keyId,
            agentId: v.input.agentId,
            publicKey: hexBytes((v.expected as { publicKeyHex: string }).publicKeyHex),
            activeFrom: v.input.activeFrom,
            activeUntil: v.input.activeUntil ?? undefined,
          },
        ]
      : [],
  );
}

/** The event vectors of event-chain.json, in chain order. */
export function chainEventVectors(): Vector<EventVectorInput, EventVectorExpected>[] {
  return loadVectors<KeyVectorInput | EventVectorInput, EventVectorExpected>('event-chain.json').filter(
    (v): v is Vector<EventVectorInput, EventVectorExpected> => v.input.kind === 'event',
  );
}

export function toSignedBody(json: SignedBodyJson): SignedBody {
  return {
    eventId: json.event_id,
    eventType: json.event_type,
    payload: json.payload as JsonObject,
    agentId: json.agent_id,
    signingKeyId: json.signing_key_id,
    localTimestamp: json.local_timestamp,
  };
}

export function toStoredEvent(json: EventJson): StoredEvent {
  return {
    ...toSignedBody(json),
    sequence: json.sequence,
    signature: json.signature,
    authorityTimestamp: json.authority_timestamp,
    prevHash: json.prev_hash,
    contentHash: json.content_hash,
    witnessId: json.witness_id,
    witnessSignature: json.witness_signature,
  };
}

export function toChainLink(json: LinkJson | null): ChainLink | undefined {
  return json === null ? undefined : { sequence: json.sequence, contentHash: json.content_hash, authorityTimestamp: json.authority_timestamp };
}

/** The error class that carries `code`, from its area prefix (STYLE.md §3). */
export function errorClassFor(code: ErrorCode): abstract new (...args: never[]) => AppError {
  if (code.startsWith('CHAIN_')) return ChainError;
  if (code.startsWith('SIG_')) return SignatureError;
  if (code.startsWith('WITNESS_')) return WitnessError;
  if (code.startsWith('INPUT_')) return InputError;
  throw new Error(`no error class for ${code} in the vector files`);
}
