import fc from 'fast-check';
import { computeContentHash, GENESIS_PREV_HASH } from '../../../src/domain/chain/content-hash.js';
import { toCanonicalTimestamp } from '../../../src/domain/chain/timestamp.js';
import { toBase64, toHex } from '../../../src/domain/encoding/bytes.js';
import type { JsonObject, JsonValue } from '../../../src/domain/chain/canonical-json.js';
import type { StoredEvent } from '../../../src/domain/chain/event.types.js';

/** Any well-formed text: ASCII, control characters, quotes, backslashes, astral code points. */
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0001', '\u007f', 'é', '😀', 'a') }));
const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const signature = fc.oneof({ weight: 4, arbitrary: fc.uint8Array({ minLength: 64, maxLength: 64 }).map(toBase64) }, { weight: 1, arbitrary: anyText });

/** Canonical timestamps over the whole range the protocol allows, with any microseconds. */
export const canonicalTimestamp = (min = '0001-01-01T00:00:00Z', max = '9999-12-31T23:59:59Z') =>
  fc
    .tuple(fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }), fc.integer({ min: 0, max: 999 }))
    .map(([date, micros]) => `${toCanonicalTimestamp(date).slice(0, 23)}${String(micros).padStart(3, '0')}Z`);

/** Object member names JCS orders by bytes: printable ASCII that JSON writes without an escape. */
const plainName = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).filter((c) => c !== '"' && c !== '\\')), maxLength: 6 });

const { plainValue } = fc.letrec<{ plainValue: JsonValue }>((tie) => ({
  plainValue: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    anyText,
    fc.array(tie('plainValue'), { maxLength: 4 }),
    fc.dictionary(plainName, tie('plainValue'), { maxKeys: 4 }),
  ),
}));

/** Payloads whose every member name is plain: the common case the fast reading must accept. */
const plainPayload = fc.dictionary(plainName, plainValue, { maxKeys: 6 }) as fc.Arbitrary<JsonObject>;
/** Payloads with any member names (escapes, non-ASCII, integer-like) and any JSON values. */
const anyPayload = fc.oneof(plainPayload, fc.dictionary(anyText, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }) as fc.Arbitrary<JsonObject>);

function eventArbitrary(payload: fc.Arbitrary<JsonObject>, sequence: fc.Arbitrary<number>): fc.Arbitrary<StoredEvent> {
  return fc.record({
    sequence,
    eventId: anyText,
    eventType: anyText,
    payload,
    agentId: anyText,
    signingKeyId: anyText,
    signature,
    localTimestamp: anyText,
    authorityTimestamp: canonicalTimestamp(),
    prevHash: hex64,
    contentHash: hex64,
    witnessId: anyText,
    witnessSignature: signature,
  });
}

/** Whole numbers of at most 15 digits: what the fast reading takes as `sequence`. */
const shortSequence = fc.integer({ min: 1, max: 999_999_999_999_999 });

/** Any event the store could hold (the hashes are random: only the reading is under test). */
export const anyEvent = eventArbitrary(anyPayload, fc.oneof(shortSequence, fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })));
/** Events the fast reading must always accept. */
export const plainPayloadEvent = eventArbitrary(plainPayload, shortSequence);

const withContentHash = (event: Omit<StoredEvent, 'contentHash'>): StoredEvent => ({ ...event, contentHash: computeContentHash(event) });

/** Two events as the log chains them: sequence 1 after genesis, then 2 after it, authority time not going back. */
export const chainedPair: fc.Arbitrary<[StoredEvent, StoredEvent]> = fc
  .tuple(eventArbitrary(plainPayload, fc.constant(1)), eventArbitrary(plainPayload, fc.constant(2)), canonicalTimestamp('2001-01-01T00:00:00Z', '2999-01-01T00:00:00Z'), fc.boolean())
  .map(([a, b, time, sameTime]) => {
    const first = withContentHash({ ...a, prevHash: GENESIS_PREV_HASH, authorityTimestamp: time });
    // A year later (the same day, unless that is 29 February).
    const later = sameTime || time.slice(5, 10) === '02-29' ? time : `${String(Number(time.slice(0, 4)) + 1).padStart(4, '0')}${time.slice(4)}`;
    const second = withContentHash({ ...b, prevHash: first.contentHash, authorityTimestamp: later });
    return [first, second];
  });

/** A change to the second event of a chained pair; some keep it valid, most break one check. */
export type Tampering = (prev: StoredEvent, event: StoredEvent) => StoredEvent;

const flipHex = (hex: string): string => `${hex[0] === 'a' ? 'b' : 'a'}${hex.slice(1)}`;
const rehash = (event: StoredEvent): StoredEvent => withContentHash(event);

export const tamperings: Tampering[] = [
  // Link faults, with content_hash recomputed so that only the link is wrong.
  (_, e) => rehash({ ...e, sequence: e.sequence + 1 }),
  (_, e) => rehash({ ...e, sequence: e.sequence - 1 }),
  (_, e) => rehash({ ...e, prevHash: flipHex(e.prevHash) }),
  (_, e) => rehash({ ...e, prevHash: GENESIS_PREV_HASH }),
  (_, e) => rehash({ ...e, authorityTimestamp: '2000-12-31T23:59:59.999999Z' }),
  // Content faults: a covered member changed, content_hash not.
  (_, e) => ({ ...e, payload: { ...e.payload, tampered: true } }),
  (_, e) => ({ ...e, signature: `${e.signature}x` }),
  (_, e) => ({ ...e, localTimestamp: `${e.localTimestamp} ` }),
  (_, e) => ({ ...e, contentHash: flipHex(e.contentHash) }),
  // Still valid: later authority time (rehashed), and the witness members, which content_hash does not cover.
  (p, e) => rehash({ ...e, authorityTimestamp: p.authorityTimestamp }),
  (_, e) => ({ ...e, witnessId: 'WITNESS:other', witnessSignature: toBase64(new Uint8Array(64)) }),
];
