import { randomUUID } from 'node:crypto';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { LOG_SIGNER_ID } from '../../../src/app/provision-keys.js';
import { GENESIS_PREV_HASH } from '../../../src/domain/chain/content-hash.js';
import { toEventJson } from '../../../src/domain/chain/event-json.js';
import { placeEvent } from '../../../src/domain/chain/place-event.js';
import { toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';
import { toBase64, toHex, utf8 } from '../../../src/domain/encoding/bytes.js';
import { eventLeafHash } from '../../../src/domain/merkle/event-leaf.js';
import { rootFromLeafHashes } from '../../../src/domain/merkle/compact-range.js';
import { checkpointBody, logKeyId, signatureLine } from '../../../src/domain/note/checkpoint-note.js';
import { cosignatureKeyId, cosignatureLine, cosignatureMessage, type CosignerKey } from '../../../src/domain/note/cosignature.js';
import { formatSignedNote } from '../../../src/domain/note/signed-note.js';
import { Keyring } from '../../../src/domain/signing/keyring.js';
import { eventSignatureMessage, witnessSignatureMessage } from '../../../src/domain/signing/messages.js';
import { selectWitness } from '../../../src/domain/witness/select-witness.js';
import type { StoredEvent } from '../../../src/domain/chain/event.types.js';
import type { PublicKeyRecord } from '../../../src/domain/signing/key.types.js';
import type { VerifySource } from '../../../src/app/offline-verify/verify-source.js';
import type { OfflineVerifyRequest } from '../../../src/app/offline-verify/offline-verify.js';

export const ORIGIN = 'archon72.invalid/test';
const ACTIVE_FROM = '2026-01-01T00:00:00.000000Z';

export interface Signer {
  record: PublicKeyRecord;
  secretKey: Buffer;
}

let seeds = 1000;
/** A key pair for `agentId`, registered from ACTIVE_FROM, with a non-development key id. */
export function newSigner(agentId: string): Signer {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, ++seeds);
  const { publicKey, secretKey } = keyPairFromSeed(seed);
  return { record: { agentId, keyId: `test-${toHex(publicKey).slice(0, 16)}`, publicKey, activeFrom: ACTIVE_FROM, activeUntil: undefined }, secretKey };
}

/**
 * A valid log of `count` events built with the appender's domain functions (two agents, three witnesses, a
 * SYSTEM:LOG key and two checkpoint cosigners), without a database: what the verifier's unit tests tamper with.
 */
export function buildChain(count: number) {
  const agents = [newSigner(`agent-${randomUUID()}`), newSigner(`agent-${randomUUID()}`)];
  const witnesses = ['WITNESS:t-01', 'WITNESS:t-02', 'WITNESS:t-03'].map(newSigner);
  const log = newSigner(LOG_SIGNER_ID);
  const cosigners = ['cosigner-a.example', 'cosigner-b.example'].map((name) => ({ name, ...newSigner(name) }));
  const keys = [...agents, ...witnesses, log].map((s) => s.record);
  const keyring = new Keyring(keys);
  const events: StoredEvent[] = [];
  let head = { sequence: 0, contentHash: GENESIS_PREV_HASH };
  for (let n = 0; n < count; n++) {
    const agent = agents[n % 2] as Signer;
    const time = toCanonicalTimestamp(new Date(Date.parse(ACTIVE_FROM) + 60_000 + n));
    const body = { eventId: randomUUID(), eventType: 'test.event', payload: { n, text: `event ${n}` }, agentId: agent.record.agentId, signingKeyId: agent.record.keyId, localTimestamp: time };
    const placed = placeEvent(head, { ...body, signature: toBase64(signEd25519(agent.secretKey, eventSignatureMessage(body))) }, time);
    const witnessId = selectWitness(keyring.witnessPoolAt(time, body.agentId), placed.prevHash, placed.sequence);
    const witness = witnesses.find((w) => w.record.agentId === witnessId) as Signer;
    const event = { ...placed, witnessId, witnessSignature: toBase64(signEd25519(witness.secretKey, witnessSignatureMessage(placed.contentHash))) };
    events.push(event);
    head = event;
  }
  const lines = events.map((e) => JSON.stringify(toEventJson(e)));
  /** A checkpoint note over the first `treeSize` events, signed by `signer` (default: the log) and `cosignedBy`. */
  const checkpoint = (treeSize: number, options: { origin?: string; signer?: Signer; cosignedBy?: typeof cosigners; rootOf?: StoredEvent[] } = {}) => {
    const origin = options.origin ?? ORIGIN;
    const signer = options.signer ?? log;
    const text = checkpointBody({ origin, treeSize, rootHash: rootFromLeafHashes((options.rootOf ?? events).slice(0, treeSize).map(eventLeafHash)) });
    const lineOf = signatureLine(origin, logKeyId(origin, signer.record.publicKey), signEd25519(signer.secretKey, utf8(text)));
    const cosignatures = (options.cosignedBy ?? cosigners).map((c) =>
      cosignatureLine(c.name, cosignatureKeyId(c.name, c.record.publicKey), 1_800_000_000, signEd25519(c.secretKey, cosignatureMessage(text, 1_800_000_000))),
    );
    return formatSignedNote(text, [lineOf, ...cosignatures]);
  };
  const trustedCosigners: CosignerKey[] = cosigners.map((c) => ({ name: c.name, publicKey: c.record.publicKey }));
  return { events, lines, keys, log, agents, witnesses, cosigners, trustedCosigners, checkpoint };
}

/** NDJSON text of `lines`, one per line. */
export function ndjson(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** A source delivering `text` in chunks of `chunkSize` bytes (1: every byte its own chunk). */
export function textSource(text: string | Uint8Array, chunkSize = 1 << 16): VerifySource {
  const bytes = typeof text === 'string' ? utf8(text) : text;
  return {
    name: 'test',
    totalBytes: bytes.length,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.slice(i, i + chunkSize);
    },
  };
}

/** A request for runOfflineVerify with the fixture's keys, inline (workers 0) unless overridden. */
export function requestFor(chain: ReturnType<typeof buildChain>, source: VerifySource, overrides: Partial<OfflineVerifyRequest> = {}): OfflineVerifyRequest {
  return {
    source,
    mode: 'signatures',
    keys: chain.keys,
    policy: { allowDevelopmentKeys: false },
    checkpoints: [],
    cosigners: [],
    quorum: 2,
    origin: undefined,
    workers: 0,
    verifier: { verify: verifyEd25519Sodium, module: { url: new URL('../../../src/adapters/crypto/sodium-ed25519.ts', import.meta.url).href, exportName: 'verifyEd25519Sodium' } },
    ...overrides,
  };
}
