/**
 * Generates test/vectors/*.json (STYLE.md §7 Vectors): `npx tsx scripts/gen-vectors.ts` (or `npm run gen-vectors`).
 *
 * Nobody edits the JSON files by hand; test/domain/vector-files.test.ts regenerates them in memory with
 * generateVectors() and fails when the committed files differ.
 *
 * On purpose this script imports nothing from src/domain: it is a second, deliberately plain implementation of the
 * protocol (its own JCS encoder, node:crypto SHA-256, libsodium signing from fixed seeds), so the vectors can catch
 * a bug in src/domain instead of repeating it. External examples (RFC 8785, RFC 8032, cyberphone's JCS test data)
 * are transcribed with their expected values, never computed, and the generator refuses to write a file when its
 * own encoder disagrees with them. Everything is deterministic: fixed seeds, fixed timestamps, Ed25519 signing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { keyPairFromSeed, signEd25519 } from '../src/adapters/crypto/sodium-ed25519.js';
import { noteVectorFiles } from './gen-note-vectors.js';
import { merkleVectorFiles } from './gen-merkle-vectors.js';

/** One test vector (STYLE.md §7): exactly one of `expected` and `expectedError` is present. */
export interface Vector {
  description: string;
  input: unknown;
  expected?: unknown;
  expectedError?: string;
}

/** Where the committed vector files live. */
export const VECTOR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors');

/** Every vector file, by file name, in generation order. */
export function generateVectors(): Record<string, Vector[]> {
  const chain = buildChain();
  const files: Record<string, Vector[]> = {
    'canonical-json.json': canonicalJsonVectors(),
    'event-chain.json': [...KEYS.map(keyVector), ...chain.map((e) => e.vector)],
    'event-chain-negative.json': negativeEventVectors(chain),
    'ed25519.json': ed25519Vectors(chain),
    'witness-selection.json': witnessSelectionVectors(),
    'keeper-statement.json': keeperStatementVectors(),
    ...noteVectorFiles(),
    ...merkleVectorFiles(chain.map((c) => c.event)),
  };
  for (const [name, vectors] of Object.entries(files)) {
    const seen = new Set<string>();
    for (const v of vectors) {
      if (seen.has(v.description)) throw new Error(`${name}: duplicate description ${v.description}`);
      seen.add(v.description);
    }
  }
  return files;
}

/** The exact text of a committed vector file. */
export function renderVectorFile(vectors: Vector[]): string {
  return `${JSON.stringify(vectors, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes and hashing (node:crypto and Buffer only)

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytesOf = (hexText: string): Buffer => Buffer.from(hexText, 'hex');
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Flips bit `bit` (0 = least significant bit of byte 0) of a copy of `bytes`. */
function flipBit(bytes: Uint8Array, bit: number): Buffer {
  const out = Buffer.from(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// An independent JCS encoder (RFC 8785), checked against the transcribed RFC examples before it is used.

const SHORT_ESCAPES: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

function jcsString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const isHigh = unit >= 0xd800 && unit <= 0xdbff;
    const isLow = unit >= 0xdc00 && unit <= 0xdfff;
    if (isLow || (isHigh && !(text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff))) throw new Error('lone surrogate');
    if (isHigh) {
      out += text.slice(i, i + 2);
      i++;
    } else if (SHORT_ESCAPES[unit] !== undefined) out += SHORT_ESCAPES[unit];
    else if (unit < 0x20) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += text[i];
  }
  return `${out}"`;
}

/** RFC 8785 §3.2.3: compare property names as arrays of UTF-16 code units. */
function compareCodeUnits(a: string, b: string): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
  }
  return a.length - b.length;
}

function jcs(value: unknown): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite number');
    return String(value); // ECMAScript Number::toString; String(-0) is "0"
  }
  if (typeof value === 'string') return jcsString(value);
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const record = value as Record<string, unknown>;
  const names = Object.keys(record).sort(compareCodeUnits);
  return `{${names.map((n) => `${jcsString(n)}:${jcs(record[n])}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------------------------
// canonical-json.json

type CanonicalInput = { json: string } | { ieee754: string };

const RFC8785 = 'RFC 8785';
const CYBERPHONE = (file: string) => `cyberphone/json-canonicalization testdata/input/${file} -> testdata/output/${file}`;

/** RFC 8785 Appendix B, "ECMAScript-Compatible JSON Number Serialization Samples": [IEEE 754 hex, JSON, comment]. */
const RFC8785_NUMBERS: Array<[string, string | undefined, string]> = [
  ['0000000000000000', '0', 'Zero'],
  ['8000000000000000', '0', 'Minus zero'],
  ['0000000000000001', '5e-324', 'Min pos number'],
  ['8000000000000001', '-5e-324', 'Min neg number'],
  ['7fefffffffffffff', '1.7976931348623157e+308', 'Max pos number'],
  ['ffefffffffffffff', '-1.7976931348623157e+308', 'Max neg number'],
  ['4340000000000000', '9007199254740992', 'Max pos int (1)'],
  ['c340000000000000', '-9007199254740992', 'Max neg int (1)'],
  ['4430000000000000', '295147905179352830000', '~2**68 (2)'],
  ['7fffffffffffffff', undefined, 'NaN (3)'],
  ['7ff0000000000000', undefined, 'Infinity (3)'],
  ['44b52d02c7e14af5', '9.999999999999997e+22', ''],
  ['44b52d02c7e14af6', '1e+23', ''],
  ['44b52d02c7e14af7', '1.0000000000000001e+23', ''],
  ['444b1ae4d6e2ef4e', '999999999999999700000', ''],
  ['444b1ae4d6e2ef4f', '999999999999999900000', ''],
  ['444b1ae4d6e2ef50', '1e+21', ''],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7', ''],
  ['3eb0c6f7a0b5ed8d', '0.000001', ''],
  ['41b3de4355555553', '333333333.3333332', ''],
  ['41b3de4355555554', '333333333.33333325', ''],
  ['41b3de4355555555', '333333333.3333333', ''],
  ['41b3de4355555556', '333333333.3333334', ''],
  ['41b3de4355555557', '333333333.33333343', ''],
  ['becbf647612f3696', '-0.0000033333333333333333', ''],
  ['43143ff3c1cb0959', '1424953923781206.2', 'Round to even (4)'],
];

/** RFC 8785 §3.2.4: the UTF-8 bytes of the §3.2.3 canonical sample, transcribed from the RFC's hex dump. */
const RFC8785_UTF8_HEX = `
  7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
  75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
  5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
  65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
  5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
  30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`.replace(/\s+/g, '');

/** [description, JSON text, canonical text or undefined when it must be refused]. Expected values are literals. */
const CANONICAL_CASES: Array<[string, string, string | undefined]> = [
  [
    `${RFC8785} §3.2.2 sample parsed, §3.2.3 canonical form (numbers, escapes, sorted members)`,
    String.raw`{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`,
    String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
  ],
  [
    `${RFC8785} §3.2.3 sorting test data (UTF-16 code unit order: \\r, 1, U+0080, ö, €, 😀, U+FB33)`,
    String.raw`{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`,
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  ],
  [`${RFC8785} §3.2.3 plain-English order: "", "a", "aa", "ab"`, '{"ab":4,"a":2,"":1,"aa":3}', '{"":1,"a":2,"aa":3,"ab":4}'],
  [CYBERPHONE('arrays.json'), '[\n  56,\n  {\n    "d": true,\n    "10": null,\n    "1": [ ]\n  }\n]', '[56,{"1":[],"10":null,"d":true}]'],
  [
    `${CYBERPHONE('french.json')} (locale-independent order)`,
    '{\n  "peach": "This sorting order",\n  "p\u00e9ch\u00e9": "is wrong according to French",\n  "p\u00eache": "but canonicalization MUST",\n  "sin":   "ingnore locale"\n}\n',
    '{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French","p\u00eache":"but canonicalization MUST","sin":"ingnore locale"}',
  ],
  [
    CYBERPHONE('structures.json'),
    '{\n  "1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0},\n  "10": { },\n  "": "empty",\n  "a": { },\n  "111": [ { } ],\n  "A": { }\n}',
    '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}',
  ],
  [`${CYBERPHONE('unicode.json')} (no Unicode normalisation)`, '{\n  "Unnormalized Unicode":"\\u1e0d\\u0307"\n}\n', '{"Unnormalized Unicode":"\u1e0d\u0307"}'],
  [
    CYBERPHONE('weird.json'),
    String.raw`{
  "\u20ac": "Euro Sign",
  "1": "One",
  "\u0080": "Control\u007f",
  "\ud83d\ude02": "Smiley",
  "\u00f6": "Latin Small Letter O With Diaeresis",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "</script>": "Browser Challenge"
}
`,
    '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  ],
  ['scalars at top level: string', '"x"', '"x"'],
  ['scalars at top level: number', ' 42 ', '42'],
  ['scalars at top level: null', 'null', 'null'],
  ['empty containers and an empty member name', '{"": [], "o": {}, "s": ""}', '{"":[],"o":{},"s":""}'],
  ['insignificant whitespace is removed', ' { "b" : [ 1 , 2 ] ,\r\n\t"a" : { } } ', '{"a":{},"b":[1,2]}'],
  [
    'reordered keys produce the same canonical bytes (order 1 of 2)',
    '{"event":"x","actor":{"name":"n","id":7},"list":[{"z":1,"y":2}]}',
    '{"actor":{"id":7,"name":"n"},"event":"x","list":[{"y":2,"z":1}]}',
  ],
  [
    'reordered keys produce the same canonical bytes (order 2 of 2)',
    '{"list":[{"y":2,"z":1}],"actor":{"id":7,"name":"n"},"event":"x"}',
    '{"actor":{"id":7,"name":"n"},"event":"x","list":[{"y":2,"z":1}]}',
  ],
  ['array element order is kept; objects inside arrays are sorted', '[3,1,{"b":1,"a":[{"d":0,"c":0}]},2]', '[3,1,{"a":[{"c":0,"d":0}],"b":1},2]'],
  ['minus zero serialises as 0 (RFC 8785 §3.2.2.3)', '{"z":-0,"neg":-0.0,"e":-0e5}', '{"e":0,"neg":0,"z":0}'],
  [
    'number spellings collapse to the ECMAScript form',
    '[1.0, 1e0, 10E-1, 100, 1e2, 0.1, 1e-7, 1e20, 1e21, 123456789012345678901, -1.5e-10, 5E-324]',
    '[1,1,1,100,100,0.1,1e-7,100000000000000000000,1e+21,123456789012345680000,-1.5e-10,5e-324]',
  ],
  ['integers beyond 2**53 round to the nearest double (RFC 8785 Appendix B note 1)', '[9007199254740993, 9007199254740995]', '[9007199254740992,9007199254740996]'],
  ['a number too large for a double parses as Infinity and is refused', '{"n":1E400}', undefined],
  [
    'control characters: \\b \\t \\n \\f \\r short forms, others as lowercase \\u00hh, U+007F as is',
    String.raw`"\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001F\u0020\u007f"`,
    '"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f \u007f"',
  ],
  ['quote and backslash are the only escaped printable characters; solidus is not escaped', String.raw`"q\"b\\s\/<>&'"`, String.raw`"q\"b\\s/<>&'"`],
  ['escaped and raw non-ASCII give the same bytes (escaped form)', String.raw`"caf\u00e9"`, '"caf\u00e9"'],
  ['escaped and raw non-ASCII give the same bytes (raw form)', '"caf\u00e9"', '"caf\u00e9"'],
  ['astral plane character from an escaped surrogate pair is written raw (4 UTF-8 bytes)', String.raw`"\ud834\udd1e"`, '"\ud834\udd1e"'],
  ['combining mark is kept, not normalised: A + U+030A', String.raw`"A\u030a"`, '"A\u030a"'],
  ['precomposed U+00C5 differs from A + U+030A', String.raw`"\u00c5"`, '"\u00c5"'],
  ['ZWJ emoji sequence with a variation selector is kept as is', '"\ud83d\udc69\u200d\u2696\ufe0f"', '"\ud83d\udc69\u200d\u2696\ufe0f"'],
  ['U+2028 and U+2029 are written raw, not escaped', String.raw`"a\u2028b\u2029c"`, '"a\u2028b\u2029c"'],
  ['U+FEFF inside a string is kept', String.raw`"\ufeffx"`, '"\ufeffx"'],
  ['member names sort by UTF-16 code units: U+10000 (D800 DC00) before U+FF61', String.raw`{"\uff61":"halfwidth full stop","\ud800\udc00":"linear b"}`, '{"\ud800\udc00":"linear b","\uff61":"halfwidth full stop"}'],
  ['member names sort case-sensitively: uppercase before lowercase', '{"b":1,"B":2,"a":3,"A":4,"_":5}', '{"A":4,"B":2,"_":5,"a":3,"b":1}'],
  ['a member named __proto__ is an ordinary member', '{"a":2,"__proto__":{"x":1}}', '{"__proto__":{"x":1},"a":2}'],
  ['lone high surrogate is refused (RFC 8785 §3.2.2.2)', String.raw`"\ud800"`, undefined],
  ['lone low surrogate is refused', String.raw`"x\udc00y"`, undefined],
  ['reversed surrogate pair is refused', String.raw`"\udc00\ud800"`, undefined],
  ['lone surrogate in a member name is refused', String.raw`{"ok":1,"\ud83d":2}`, undefined],
  ['lone surrogate deep inside arrays is refused', String.raw`[1,"ok",{"k":["\udfff"]}]`, undefined],
];

function canonicalVector(description: string, input: CanonicalInput, canonical: string | undefined, parsed: unknown): Vector {
  if (canonical === undefined) {
    let threw = false;
    try {
      jcs(parsed);
    } catch {
      threw = true;
    }
    if (!threw) throw new Error(`generator JCS accepted a value that must be refused: ${description}`);
    return { description, input, expectedError: 'INPUT_PAYLOAD_INVALID' };
  }
  if (jcs(parsed) !== canonical) throw new Error(`generator JCS disagrees with the transcribed example: ${description}`);
  return { description, input, expected: { canonical, utf8Hex: hex(utf8(canonical)) } };
}

function canonicalJsonVectors(): Vector[] {
  const vectors = CANONICAL_CASES.map(([description, json, canonical]) => canonicalVector(description, { json }, canonical, JSON.parse(json)));
  const sample = vectors[0]?.expected as { utf8Hex: string };
  if (sample.utf8Hex !== RFC8785_UTF8_HEX) throw new Error('RFC 8785 §3.2.4 UTF-8 bytes do not match');
  for (const [bits, json, comment] of RFC8785_NUMBERS) {
    const description = `${RFC8785} Appendix B number sample ${bits}${comment === '' ? '' : ` (${comment})`}`;
    vectors.push(canonicalVector(description, { ieee754: bits }, json, bytesOf(bits).readDoubleBE(0)));
  }
  return vectors;
}

// ---------------------------------------------------------------------------------------------------------------
// Keys: fixed seeds. SYSTEM:EVENT_WRITER uses the RFC 8032 §7.1 TEST 1 seed, so its public key is a known value.

interface KeyDef {
  seedHex: string;
  keyId: string;
  agentId: string;
  activeFrom: string;
  activeUntil: string | null;
}

const WRITER = 'SYSTEM:EVENT_WRITER';
const AGENT_7 = 'agent-00000000-0000-4000-8000-000000000007';
const AGENT_9 = 'agent-00000000-0000-4000-8000-000000000009';
const T_KEYS = '2026-01-01T00:00:00.000000Z';
const T_WITNESSES = '2026-02-01T00:00:00.000000Z';
const T_DELTA_RETIRED = '2026-04-01T00:00:00.000000Z';
const T_CHARLIE_JOINS = '2026-05-01T00:00:00.000000Z';
const T_ROTATION = '2026-06-01T00:00:00.000000Z';

const KEYS: KeyDef[] = [
  { seedHex: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', keyId: 'dev-writer-1', agentId: WRITER, activeFrom: T_KEYS, activeUntil: null },
  { seedHex: '11'.repeat(32), keyId: 'dev-agent-7-1', agentId: AGENT_7, activeFrom: T_KEYS, activeUntil: T_ROTATION },
  { seedHex: '22'.repeat(32), keyId: 'dev-agent-7-2', agentId: AGENT_7, activeFrom: T_ROTATION, activeUntil: null },
  { seedHex: '33'.repeat(32), keyId: 'dev-agent-9-1', agentId: AGENT_9, activeFrom: T_KEYS, activeUntil: null },
  { seedHex: '44'.repeat(32), keyId: 'dev-witness-alpha-1', agentId: 'WITNESS:alpha', activeFrom: T_WITNESSES, activeUntil: null },
  { seedHex: '55'.repeat(32), keyId: 'dev-witness-bravo-1', agentId: 'WITNESS:bravo', activeFrom: T_WITNESSES, activeUntil: null },
  { seedHex: '66'.repeat(32), keyId: 'dev-witness-charlie-1', agentId: 'WITNESS:charlie', activeFrom: T_CHARLIE_JOINS, activeUntil: null },
  { seedHex: '77'.repeat(32), keyId: 'dev-witness-delta-1', agentId: 'WITNESS:delta', activeFrom: T_WITNESSES, activeUntil: T_DELTA_RETIRED },
];

function keyDef(keyId: string): KeyDef {
  const key = KEYS.find((k) => k.keyId === keyId);
  if (key === undefined) throw new Error(`no key ${keyId}`);
  return key;
}

function publicKeyOf(key: KeyDef): Uint8Array {
  return keyPairFromSeed(bytesOf(key.seedHex)).publicKey;
}

function signWith(keyId: string, message: Uint8Array): Uint8Array {
  return signEd25519(keyPairFromSeed(bytesOf(keyDef(keyId).seedHex)).secretKey, message);
}

const isActive = (k: KeyDef, at: string): boolean => k.activeFrom <= at && (k.activeUntil === null || at < k.activeUntil);

function keyVector(key: KeyDef): Vector {
  const window = key.activeUntil === null ? `from ${key.activeFrom}, open` : `from ${key.activeFrom} until ${key.activeUntil}`;
  return {
    description: `key ${key.keyId} of ${key.agentId} (${window})`,
    input: { kind: 'key', ...key },
    expected: { publicKeyHex: hex(publicKeyOf(key)) },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Protocol messages (docs/PROTOCOL.md §3–§6), written out from the spec

const GENESIS_PREV_HASH = '0'.repeat(64);
const EVENT_DOMAIN = 'archon72/event-signature/v1';
const WITNESS_DOMAIN = 'archon72/witness-attestation/v1';
const SELECTION_DOMAIN = 'archon72/witness-selection/v1';

interface SignedBodyJson {
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  agent_id: string;
  signing_key_id: string;
  local_timestamp: string;
}

interface EventJson extends SignedBodyJson {
  sequence: number;
  signature: string;
  authority_timestamp: string;
  prev_hash: string;
  content_hash: string;
  witness_id: string;
  witness_signature: string;
}

interface LinkJson {
  sequence: number;
  content_hash: string;
  authority_timestamp: string;
}

const signedBodyCanonical = (b: SignedBodyJson): string =>
  jcs({ agent_id: b.agent_id, event_id: b.event_id, event_type: b.event_type, local_timestamp: b.local_timestamp, payload: b.payload, signing_key_id: b.signing_key_id });

const eventSignatureMessage = (b: SignedBodyJson): Buffer => Buffer.concat([utf8(EVENT_DOMAIN), Buffer.of(0), utf8(signedBodyCanonical(b))]);

const contentHashInput = (e: Omit<EventJson, 'content_hash' | 'witness_id' | 'witness_signature'>): string =>
  jcs({
    agent_id: e.agent_id,
    authority_timestamp: e.authority_timestamp,
    event_id: e.event_id,
    event_type: e.event_type,
    local_timestamp: e.local_timestamp,
    payload: e.payload,
    prev_hash: e.prev_hash,
    sequence: e.sequence,
    signature: e.signature,
    signing_key_id: e.signing_key_id,
  });

const witnessSignatureMessage = (contentHash: string): Buffer => Buffer.concat([utf8(WITNESS_DOMAIN), Buffer.of(0), bytesOf(contentHash)]);

/** Ids of witnesses with a key active at `at`, other than the event's own agent, sorted by UTF-16 code units. */
const witnessPoolAt = (at: string, agentId: string): string[] =>
  [...new Set(KEYS.filter((k) => k.agentId.startsWith('WITNESS:') && k.agentId !== agentId && isActive(k, at)).map((k) => k.agentId))].sort(compareCodeUnits);

/** docs/PROTOCOL.md §6: index = first 8 bytes (big-endian) of SHA-256(domain || 0x00 || prev_hash || u64be(sequence)) mod n. */
function selectWitness(pool: string[], prevHash: string, sequence: number): { digestHex: string; index: number; witnessId: string } {
  const seq = Buffer.alloc(8);
  seq.writeBigUInt64BE(BigInt(sequence));
  const digestHex = sha256Hex(Buffer.concat([utf8(SELECTION_DOMAIN), Buffer.of(0), bytesOf(prevHash), seq]));
  const index = Number(BigInt(`0x${digestHex.slice(0, 16)}`) % BigInt(pool.length));
  return { digestHex, index, witnessId: pool[index] as string };
}

// ---------------------------------------------------------------------------------------------------------------
// Building events: place, hash, attest. Overrides let the negative vectors break exactly one rule.

interface Draft {
  body: SignedBodyJson;
  sequence: number;
  prevHash: string;
  authority: string;
  /** Agent key that signs (default: the key named by signing_key_id). */
  signer?: string;
  /** Replaces the agent signature (after signing). */
  signature?: string;
  /** Witness named in witness_id (default: the selected one). */
  witnessId?: string;
  /** Witness key that signs the attestation (default: the newest key of witness_id active at authority time). */
  witnessKeyId?: string;
}

function witnessKeyAt(witnessId: string, at: string): KeyDef {
  const keys = KEYS.filter((k) => k.agentId === witnessId && isActive(k, at)).sort((a, b) => compareCodeUnits(b.activeFrom, a.activeFrom));
  if (keys[0] === undefined) throw new Error(`${witnessId} has no key at ${at}`);
  return keys[0];
}

function buildEvent(d: Draft): EventJson {
  const signature = d.signature ?? b64(signWith(d.signer ?? d.body.signing_key_id, eventSignatureMessage(d.body)));
  const placed = { sequence: d.sequence, ...d.body, signature, authority_timestamp: d.authority, prev_hash: d.prevHash };
  const contentHash = sha256Hex(utf8(contentHashInput(placed)));
  const pool = witnessPoolAt(d.authority, d.body.agent_id);
  const witnessId = d.witnessId ?? selectWitness(pool, d.prevHash, d.sequence).witnessId;
  const witnessKey = d.witnessKeyId ?? witnessKeyAt(witnessId, d.authority).keyId;
  return {
    sequence: d.sequence,
    event_id: d.body.event_id,
    event_type: d.body.event_type,
    payload: d.body.payload,
    agent_id: d.body.agent_id,
    signing_key_id: d.body.signing_key_id,
    signature,
    local_timestamp: d.body.local_timestamp,
    authority_timestamp: d.authority,
    prev_hash: d.prevHash,
    content_hash: contentHash,
    witness_id: witnessId,
    witness_signature: b64(signWith(witnessKey, witnessSignatureMessage(contentHash))),
  };
}

const linkOf = (e: EventJson): LinkJson => ({ sequence: e.sequence, content_hash: e.content_hash, authority_timestamp: e.authority_timestamp });

const eventId = (n: number): string => `018f3a00-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;

/** The positive chain: four events across a witness-pool change and an agent key rotation. */
const CHAIN_DRAFTS: Array<{ description: string; body: SignedBodyJson; authority: string }> = [
  {
    description: 'event 1: genesis by SYSTEM:EVENT_WRITER (prev_hash is 64 zeros; pool alpha, bravo, delta)',
    authority: '2026-02-10T09:00:00.123456Z',
    body: {
      event_id: eventId(1),
      event_type: 'log.opened',
      payload: { protocol: 'archon72/v1', note: 'conclave log opened' },
      agent_id: WRITER,
      signing_key_id: 'dev-writer-1',
      local_timestamp: '2026-02-10T09:00:00.000000Z',
    },
  },
  {
    description: 'event 2: motion with unicode edge cases (astral, combining mark, U+2028, ZWJ) and unsorted payload keys',
    authority: '2026-03-15T12:00:00.000001Z',
    body: {
      event_id: eventId(2),
      event_type: 'motion.proposed',
      payload: {
        title: 'Caf\u00e9 \u2615 \u2014 \ud834\udd1e motion',
        decomposed: 'Cafe\u0301',
        separators: 'line\u2028paragraph\u2029end',
        family: '\ud83d\udc69\u200d\u2696\ufe0f',
        controls: 'tab\there\nnewline\u001f',
        quote: 'say "aye" \\ or "nay"',
        amounts: [1, 2.5, 1e21, 5e-324, -0.000001],
        nested: { z: null, a: [true, false], m: { b: 2, a: 1 } },
      },
      agent_id: AGENT_7,
      signing_key_id: 'dev-agent-7-1',
      local_timestamp: '2026-03-15T11:59:59.500000Z',
    },
  },
  {
    description: 'event 3: signed with the rotated key at exactly its active_from (pool alpha, bravo, charlie)',
    authority: T_ROTATION,
    body: {
      event_id: eventId(3),
      event_type: 'motion.seconded',
      payload: { motion_event_id: eventId(2), seconded: true },
      agent_id: AGENT_7,
      signing_key_id: 'dev-agent-7-2',
      local_timestamp: '2026-05-31T23:59:59.999999Z',
    },
  },
  {
    description: 'event 4: same authority_timestamp as its predecessor (one batch), another agent',
    authority: T_ROTATION,
    body: {
      event_id: eventId(4),
      event_type: 'vote.cast',
      payload: { motion_event_id: eventId(2), choice: 'aye' },
      agent_id: AGENT_9,
      signing_key_id: 'dev-agent-9-1',
      local_timestamp: '2026-06-01T00:00:00.000000Z',
    },
  },
];

/** One positive chain event with everything a second implementation needs to reproduce it. */
interface ChainEvent {
  event: EventJson;
  vector: Vector;
}

function buildChain(): ChainEvent[] {
  const chain: ChainEvent[] = [];
  for (const draft of CHAIN_DRAFTS) {
    const prev = chain.at(-1)?.event;
    const sequence = (prev?.sequence ?? 0) + 1;
    const prevHash = prev?.content_hash ?? GENESIS_PREV_HASH;
    const event = buildEvent({ body: draft.body, sequence, prevHash, authority: draft.authority });
    const pool = witnessPoolAt(draft.authority, draft.body.agent_id);
    chain.push({
      event,
      vector: {
        description: draft.description,
        input: { kind: 'event', prev: prev === undefined ? null : linkOf(prev), body: draft.body, authority_timestamp: draft.authority },
        expected: {
          signedBodyCanonical: signedBodyCanonical(draft.body),
          eventSignatureMessageHex: hex(eventSignatureMessage(draft.body)),
          agentSignature: event.signature,
          contentHashInput: contentHashInput(event),
          contentHash: event.content_hash,
          witnessPool: pool,
          witnessSelection: selectWitness(pool, prevHash, sequence),
          witnessSignatureMessageHex: hex(witnessSignatureMessage(event.content_hash)),
          witnessSignature: event.witness_signature,
          event,
        },
      },
    });
  }
  return chain;
}

// ---------------------------------------------------------------------------------------------------------------
// event-chain-negative.json: each vector breaks one rule (or, for the positive ones, changes nothing that matters).

function chainEvent(chain: ChainEvent[], sequence: number): EventJson {
  const found = chain.find((c) => c.event.sequence === sequence);
  if (found === undefined) throw new Error(`no chain event ${sequence}`);
  return found.event;
}

function bodyOf(e: EventJson): SignedBodyJson {
  return { event_id: e.event_id, event_type: e.event_type, payload: e.payload, agent_id: e.agent_id, signing_key_id: e.signing_key_id, local_timestamp: e.local_timestamp };
}

/** A fresh body for agent-9 (or another agent/key), used for events appended after event 4. */
function nextBody(n: number, agentId: string, keyId: string, local: string): SignedBodyJson {
  return { event_id: eventId(n), event_type: 'vote.cast', payload: { choice: 'nay', motion_event_id: eventId(2) }, agent_id: agentId, signing_key_id: keyId, local_timestamp: local };
}

/** A witness in the pool at `at` other than the selected one. */
function unselectedWitness(at: string, prevHash: string, sequence: number, agentId: string): string {
  const selected = selectWitness(witnessPoolAt(at, agentId), prevHash, sequence).witnessId;
  const other = witnessPoolAt(at, agentId).find((w) => w !== selected);
  if (other === undefined) throw new Error('pool too small');
  return other;
}

function negativeEventVectors(chain: ChainEvent[]): Vector[] {
  const [e1, e2, e3, e4] = [1, 2, 3, 4].map((s) => chainEvent(chain, s)) as [EventJson, EventJson, EventJson, EventJson];
  const after4 = { sequence: 5, prevHash: e4.content_hash };
  const T_AFTER = '2026-06-02T08:00:00.000000Z';
  const agentSigBytes = Buffer.from(e2.signature, 'base64');
  const fail = (description: string, prev: EventJson | null, event: EventJson, code: string): Vector => ({
    description,
    input: { prev: prev === null ? null : linkOf(prev), event },
    expectedError: code,
  });
  const pass = (description: string, prev: EventJson | null, event: unknown, contentHash: string): Vector => ({
    description,
    input: { prev: prev === null ? null : linkOf(prev), event },
    expected: { contentHash },
  });
  const rebuilt2 = (over: Partial<Draft>): EventJson => buildEvent({ body: bodyOf(e2), sequence: 2, prevHash: e1.content_hash, authority: e2.authority_timestamp, ...over });
  const witnessSig3 = Buffer.from(e3.witness_signature, 'base64');

  return [
    pass(
      'event 2 with every payload object in reverse member order (same canonical bytes) verifies',
      e1,
      { ...e2, payload: reverseKeys(e2.payload) },
      e2.content_hash,
    ),
    pass(
      'event 4 with its JSON members in reverse order verifies',
      e3,
      Object.fromEntries(Object.entries(e4).reverse()),
      e4.content_hash,
    ),
    fail('sequence gap: event after event 4 numbered 6', e4, buildEvent({ body: nextBody(5, AGENT_9, 'dev-agent-9-1', T_AFTER), sequence: 6, prevHash: e4.content_hash, authority: T_AFTER }), 'CHAIN_SEQUENCE_GAP'),
    fail('sequence repeated: event 4 again after event 4', e4, e4, 'CHAIN_SEQUENCE_GAP'),
    fail('first event numbered 2', null, buildEvent({ body: bodyOf(e1), sequence: 2, prevHash: GENESIS_PREV_HASH, authority: e1.authority_timestamp }), 'CHAIN_SEQUENCE_GAP'),
    fail('wrong prev_hash: event 3 names event 1 (hash and attestation recomputed)', e2, buildEvent({ body: bodyOf(e3), sequence: 3, prevHash: e1.content_hash, authority: e3.authority_timestamp }), 'CHAIN_PREV_HASH_MISMATCH'),
    fail('first event whose prev_hash is not 64 zeros', null, buildEvent({ body: bodyOf(e1), sequence: 1, prevHash: 'f'.repeat(64), authority: e1.authority_timestamp }), 'CHAIN_PREV_HASH_MISMATCH'),
    fail('authority_timestamp earlier than the predecessor', e4, buildEvent({ body: nextBody(5, AGENT_9, 'dev-agent-9-1', T_AFTER), ...after4, authority: '2026-05-31T23:59:59.999999Z' }), 'CHAIN_TIMESTAMP_REGRESSION'),
    fail('tampered payload: event 2 motion title changed after hashing', e1, { ...e2, payload: { ...e2.payload, title: 'Cafe motion' } }, 'CHAIN_CONTENT_HASH_MISMATCH'),
    fail('tampered payload: event 2 precomposed é replaced by e + U+0301 (no normalisation)', e1, { ...e2, payload: { ...e2.payload, title: (e2.payload.title as string).replace('\u00e9', 'e\u0301') } }, 'CHAIN_CONTENT_HASH_MISMATCH'),
    fail('tampered payload: event 2 U+2028 replaced by a newline', e1, { ...e2, payload: { ...e2.payload, separators: (e2.payload.separators as string).replace('\u2028', '\n') } }, 'CHAIN_CONTENT_HASH_MISMATCH'),
    fail('content_hash spelled in uppercase hex', e1, { ...e2, content_hash: e2.content_hash.toUpperCase() }, 'CHAIN_CONTENT_HASH_MISMATCH'),
    fail('authority_timestamp changed after hashing', e1, { ...e2, authority_timestamp: '2026-03-15T12:00:00.000002Z' }, 'CHAIN_CONTENT_HASH_MISMATCH'),
    fail('payload containing a lone surrogate cannot be canonicalised', e1, { ...e2, payload: { ...e2.payload, title: 'broken \ud800' } }, 'INPUT_PAYLOAD_INVALID'),
    fail('unknown signing key', e4, buildEvent({ body: nextBody(5, AGENT_9, 'dev-agent-9-9', T_AFTER), ...after4, authority: T_AFTER, signer: 'dev-agent-9-1' }), 'SIG_KEY_UNKNOWN'),
    fail('key of another agent: agent-9 event signed with agent-7 key', e4, buildEvent({ body: nextBody(5, AGENT_9, 'dev-agent-7-2', T_AFTER), ...after4, authority: T_AFTER }), 'SIG_KEY_AGENT_MISMATCH'),
    fail('key used after its window: dev-agent-7-1 at exactly its active_until', e4, buildEvent({ body: nextBody(5, AGENT_7, 'dev-agent-7-1', T_ROTATION), ...after4, authority: T_ROTATION }), 'SIG_KEY_INACTIVE'),
    fail('key used before its window: dev-agent-7-2 one microsecond before active_from', null, buildEvent({ body: nextBody(1, AGENT_7, 'dev-agent-7-2', '2026-05-31T23:59:59.999999Z'), sequence: 1, prevHash: GENESIS_PREV_HASH, authority: '2026-05-31T23:59:59.999999Z' }), 'SIG_KEY_INACTIVE'),
    fail('flipped bit in the agent signature (hash and attestation recomputed)', e1, rebuilt2({ signature: b64(flipBit(agentSigBytes, 5)) }), 'SIG_INVALID'),
    fail('agent signature of event 2 replayed on a different payload', e1, buildEvent({ body: { ...bodyOf(e2), payload: { ...e2.payload, title: 'other' } }, sequence: 2, prevHash: e1.content_hash, authority: e2.authority_timestamp, signature: e2.signature }), 'SIG_INVALID'),
    fail('agent signature with R = identity and S = k·a (accepted by cofactored verifiers, rejected by libsodium)', e1, rebuilt2({ signature: b64(identityRSignature('dev-agent-7-1', eventSignatureMessage(bodyOf(e2)))) }), 'SIG_INVALID'),
    fail('truncated agent signature (63 bytes)', e1, rebuilt2({ signature: b64(agentSigBytes.subarray(0, 63)) }), 'SIG_MALFORMED'),
    fail('agent signature in unpadded base64', e1, rebuilt2({ signature: e2.signature.replace(/=+$/, '') }), 'SIG_MALFORMED'),
    fail('agent signature in non-canonical base64 (unused bits set)', e1, rebuilt2({ signature: nonCanonicalBase64(e2.signature) }), 'SIG_MALFORMED'),
    fail('attested by a pool member the selection rule did not pick', e2, buildEvent({ body: bodyOf(e3), sequence: 3, prevHash: e2.content_hash, authority: e3.authority_timestamp, witnessId: unselectedWitness(e3.authority_timestamp, e2.content_hash, 3, e3.agent_id) }), 'SIG_WITNESS_NOT_SELECTED'),
    fail('attested by a retired witness (delta, after its key closed)', e2, buildEvent({ body: bodyOf(e3), sequence: 3, prevHash: e2.content_hash, authority: e3.authority_timestamp, witnessId: 'WITNESS:delta', witnessKeyId: 'dev-witness-delta-1' }), 'SIG_WITNESS_NOT_SELECTED'),
    fail('no witness key active at authority time (genesis before the pool exists)', null, buildEvent({ body: bodyOf(e1), sequence: 1, prevHash: GENESIS_PREV_HASH, authority: '2026-01-15T00:00:00.000000Z', witnessId: 'WITNESS:alpha', witnessKeyId: 'dev-witness-alpha-1' }), 'WITNESS_POOL_EMPTY'),
    fail('flipped bit in the witness signature', e2, { ...e3, witness_signature: b64(flipBit(witnessSig3, 300)) }, 'SIG_WITNESS_INVALID'),
    fail('witness signature made with another witness key', e2, buildEvent({ body: bodyOf(e3), sequence: 3, prevHash: e2.content_hash, authority: e3.authority_timestamp, witnessKeyId: otherWitnessKey(e3) }), 'SIG_WITNESS_INVALID'),
    fail('witness signature over the predecessor content_hash', e2, { ...e3, witness_signature: b64(signWith(witnessKeyAt(e3.witness_id, e3.authority_timestamp).keyId, witnessSignatureMessage(e2.content_hash))) }, 'SIG_WITNESS_INVALID'),
    fail('truncated witness signature (63 bytes)', e2, { ...e3, witness_signature: b64(witnessSig3.subarray(0, 63)) }, 'SIG_MALFORMED'),
  ];
}

/** A deep copy of `value` whose objects list their members in reverse order (same canonical bytes). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
}

function otherWitnessKey(e: EventJson): string {
  const other = KEYS.find((k) => k.agentId.startsWith('WITNESS:') && k.agentId !== e.witness_id && isActive(k, e.authority_timestamp));
  if (other === undefined) throw new Error('no other witness');
  return other.keyId;
}

/** Same bytes, but the last base64 character before the padding carries non-zero unused bits. */
function nonCanonicalBase64(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const body = text.replace(/=+$/, '');
  const last = alphabet.indexOf(body.at(-1) as string);
  return `${body.slice(0, -1)}${alphabet[last | 1]}${text.slice(body.length)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// ed25519.json: raw verification vectors both verifiers must answer alike.

const L = ed25519.Point.Fn.ORDER;
const scalarLe = (n: bigint): Uint8Array => {
  const out = new Uint8Array(32);
  for (let i = 0, v = n; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
};
const fromLe = (bytes: Uint8Array): bigint => bytes.reduceRight((acc, b) => (acc << 8n) + BigInt(b), 0n);
const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint => fromLe(sha512(Buffer.concat([r, a, m]))) % L;
const secretScalar = (keyId: string): bigint => ed25519.utils.getExtendedPublicKey(bytesOf(keyDef(keyId).seedHex)).scalar;
const torsion = (i: number): Uint8Array => bytesOf(ED25519_TORSION_SUBGROUP[i] as string);

/** R = identity (small order), S = k·a: satisfies [S]B = R + [k]A, so only a verifier that rejects small-order R refuses it. */
function identityRSignature(keyId: string, message: Uint8Array): Buffer {
  const r = torsion(0);
  const s = (challenge(r, publicKeyOf(keyDef(keyId)), message) * secretScalar(keyId)) % L;
  return Buffer.concat([r, scalarLe(s)]);
}

/** R' = [r]B + T (T of order 8), S = r + k·a: holds only in the cofactored equation. */
function mixedOrderRSignature(keyId: string, message: Uint8Array): Buffer {
  const r = 0x5eedn;
  const rBytes = ed25519.Point.BASE.multiply(r).add(ed25519.Point.fromBytes(torsion(1))).toBytes();
  const s = (r + challenge(rBytes, publicKeyOf(keyDef(keyId)), message) * secretScalar(keyId)) % L;
  return Buffer.concat([rBytes, scalarLe(s)]);
}

/**
 * Public key A' = A + T (T of order 8) and a signature S = r + k·a. [S]B = R + [k]A' holds exactly when [k]T = 0, i.e.
 * k ≡ 0 (mod 8): with `multipleOf8` false the signature holds only in the cofactored equation, with true it holds in both.
 */
function mixedOrderKeySignature(keyId: string, multipleOf8: boolean): { publicKey: Uint8Array; message: Buffer; signature: Buffer } {
  const a = secretScalar(keyId);
  const publicKey = ed25519.Point.BASE.multiply(a).add(ed25519.Point.fromBytes(torsion(1))).toBytes();
  const r = 0xc0ffeen;
  const rBytes = ed25519.Point.BASE.multiply(r).toBytes();
  for (let i = 0; ; i++) {
    const message = utf8(`mixed-order public key, attempt ${i}`);
    const k = challenge(rBytes, publicKey, message);
    if ((k % 8n === 0n) === multipleOf8) return { publicKey, message, signature: Buffer.concat([rBytes, scalarLe((r + k * a) % L)]) };
  }
}

function ed25519Vectors(chain: ChainEvent[]): Vector[] {
  const v = (description: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, expected: boolean): Vector => ({
    description,
    input: { publicKeyHex: hex(publicKey), messageHex: hex(message), signatureHex: hex(signature) },
    expected,
  });
  const vectors: Vector[] = RFC8032_TESTS.map((t) => {
    const ours = signEd25519(keyPairFromSeed(bytesOf(t.seed)).secretKey, bytesOf(t.message));
    if (hex(ours) !== t.signature || hex(keyPairFromSeed(bytesOf(t.seed)).publicKey) !== t.publicKey) throw new Error(`${t.name} does not reproduce`);
    return v(`RFC 8032 §7.1 ${t.name}`, bytesOf(t.publicKey), bytesOf(t.message), bytesOf(t.signature), true);
  });
  for (const { event } of chain) {
    const agentKey = publicKeyOf(keyDef(event.signing_key_id));
    const witnessKey = publicKeyOf(witnessKeyAt(event.witness_id, event.authority_timestamp));
    vectors.push(v(`event ${event.sequence} agent signature`, agentKey, eventSignatureMessage(bodyOf(event)), Buffer.from(event.signature, 'base64'), true));
    vectors.push(v(`event ${event.sequence} witness signature`, witnessKey, witnessSignatureMessage(event.content_hash), Buffer.from(event.witness_signature, 'base64'), true));
  }
  const e1 = chain[0]?.event as EventJson;
  const key = publicKeyOf(keyDef('dev-writer-1'));
  const msg = eventSignatureMessage(bodyOf(e1));
  const sig = Buffer.from(e1.signature, 'base64');
  const S = fromLe(sig.subarray(32));
  const zeroRS = Buffer.concat([torsion(0), Buffer.alloc(32)]);
  const mixedKey = mixedOrderKeySignature('dev-writer-1', false);
  const mixedKeyK8 = mixedOrderKeySignature('dev-writer-1', true);
  vectors.push(
    v('event 1 agent signature with bit 0 of R flipped', key, msg, flipBit(sig, 0), false),
    v('event 1 agent signature with bit 0 of S flipped', key, msg, flipBit(sig, 256), false),
    v('event 1 agent signature with the top bit of S set', key, msg, flipBit(sig, 511), false),
    v('event 1 message with one bit flipped', key, flipBit(msg, 8 * 40), sig, false),
    v('event 1 signature checked against another agent key', publicKeyOf(keyDef('dev-agent-9-1')), msg, sig, false),
    v('event 1 signature with S replaced by S + L (non-canonical S)', key, msg, Buffer.concat([sig.subarray(0, 32), scalarLe(S + L)]), false),
    v('signature of 63 bytes', key, msg, sig.subarray(0, 63), false),
    v('public key of 31 bytes', key.subarray(0, 31), msg, sig, false),
    v('public key that is not on the curve (y = 2)', scalarLe(2n), msg, sig, false),
    v('public key with y >= p (non-canonical encoding of y = 3)', scalarLe(2n ** 255n - 19n + 3n), msg, sig, false),
    v('R that is a non-canonical encoding of the identity (y = p + 1), S = k·a', key, msg, Buffer.concat([scalarLe(2n ** 255n - 18n), scalarLe((challenge(scalarLe(2n ** 255n - 18n), key, msg) * secretScalar('dev-writer-1')) % L)]), false),
    ...ED25519_TORSION_SUBGROUP.map((t, i) => v(`small-order public key ${t.slice(0, 8)}… (torsion point ${i}) with R = identity, S = 0`, torsion(i), msg, zeroRS, false)),
    v('R of small order (identity) with S = k·a', key, msg, identityRSignature('dev-writer-1', msg), false),
    v('R of mixed order ([r]B + order-8 point) with S = r + k·a', key, msg, mixedOrderRSignature('dev-writer-1', msg), false),
    v('public key of mixed order (A + order-8 point), signature valid only cofactored', mixedKey.publicKey, mixedKey.message, mixedKey.signature, false),
    v('public key of mixed order with k ≡ 0 (mod 8): the cofactorless equation holds, so it verifies', mixedKeyK8.publicKey, mixedKeyK8.message, mixedKeyK8.signature, true),
    v('R = 0100…80 (identity with the sign bit set), S = 0', key, msg, Buffer.concat([Buffer.from(torsion(0)).fill(0x80, 31), Buffer.alloc(32)]), false),
  );
  return vectors;
}

/** RFC 8032 §7.1 TEST 1–3, transcribed (the generator checks libsodium reproduces them). */
const RFC8032_TESTS = [
  {
    name: 'TEST 1 (empty message)',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

// ---------------------------------------------------------------------------------------------------------------
// witness-selection.json

function witnessSelectionVectors(): Vector[] {
  const pool3 = ['WITNESS:alpha', 'WITNESS:bravo', 'WITNESS:delta'];
  const pool7 = ['WITNESS:a', 'WITNESS:b', 'WITNESS:c', 'WITNESS:d', 'WITNESS:e', 'WITNESS:f', 'WITNESS:g'];
  const someHash = sha256Hex(utf8('archon72 witness-selection vector'));
  const ok = (description: string, pool: string[], prevHash: string, sequence: number): Vector => ({
    description,
    input: { pool, prevHash, sequence },
    expected: selectWitness(pool, prevHash, sequence),
  });
  const bad = (description: string, pool: string[], prevHash: string, sequence: number, code: string): Vector => ({
    description,
    input: { pool, prevHash, sequence },
    expectedError: code,
  });
  return [
    ok('genesis: prev_hash 64 zeros, sequence 1, pool of 3', pool3, GENESIS_PREV_HASH, 1),
    ...[2, 3, 4, 5, 6].map((s) => ok(`pool of 7, sequence ${s}`, pool7, someHash, s)),
    ok('pool of 1 always selects its only member', ['WITNESS:solo'], someHash, 42),
    ok('sequence 2**32 (the high half of the uint64 is used)', pool7, someHash, 2 ** 32),
    ok('largest safe integer sequence (2**53 - 1)', pool7, someHash, Number.MAX_SAFE_INTEGER),
    ok('prev_hash all ff', pool3, 'f'.repeat(64), 7),
    bad('empty pool', [], someHash, 1, 'WITNESS_POOL_EMPTY'),
    bad('empty pool is reported before a malformed prev_hash', [], 'xyz', 1, 'WITNESS_POOL_EMPTY'),
    bad('prev_hash in uppercase hex', pool3, someHash.toUpperCase(), 1, 'INPUT_FIELD_INVALID'),
    bad('prev_hash of 31 bytes', pool3, someHash.slice(0, 62), 1, 'INPUT_FIELD_INVALID'),
    bad('prev_hash of 33 bytes', pool3, `${someHash}00`, 1, 'INPUT_FIELD_INVALID'),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// keeper-statement.json: keeper keys, signed keeper statements, single-signature checks and quorum checks
// (docs/PROTOCOL.md §14). The keeper key id formula and message format are written out from the spec.

const KEEPER_DOMAIN = 'archon72/keeper-statement/v1';

interface KeeperKeyDef {
  seedHex: string;
  keeperId: string;
  activeFrom: string;
  activeUntil: string | null;
}

/** Keeper keys: carol rotates at T_ROTATION, dave's key opens only then. */
const KEEPER_KEYS: KeeperKeyDef[] = [
  { seedHex: 'a1'.repeat(32), keeperId: 'KEEPER:alice', activeFrom: T_KEYS, activeUntil: null },
  { seedHex: 'b2'.repeat(32), keeperId: 'KEEPER:bob', activeFrom: T_KEYS, activeUntil: null },
  { seedHex: 'c3'.repeat(32), keeperId: 'KEEPER:carol', activeFrom: T_KEYS, activeUntil: T_ROTATION },
  { seedHex: 'c4'.repeat(32), keeperId: 'KEEPER:carol', activeFrom: T_ROTATION, activeUntil: null },
  { seedHex: 'd5'.repeat(32), keeperId: 'KEEPER:dave.o-2', activeFrom: T_ROTATION, activeUntil: null },
];

const keeperPublicKey = (k: KeeperKeyDef): Uint8Array => keyPairFromSeed(bytesOf(k.seedHex)).publicKey;
/** key_id = "keeper-" || first 16 hex digits of hex(SHA-256(public key)). */
const keeperKeyIdOf = (k: KeeperKeyDef): string => `keeper-${sha256Hex(keeperPublicKey(k)).slice(0, 16)}`;
const keeperMessage = (statement: unknown, domain = KEEPER_DOMAIN): Buffer => Buffer.concat([utf8(domain), Buffer.of(0), utf8(jcs(statement))]);
const keeperSign = (k: KeeperKeyDef, message: Uint8Array): string => b64(signEd25519(keyPairFromSeed(bytesOf(k.seedHex)).secretKey, message));

interface SignedStatementJson {
  statement: Record<string, unknown>;
  keeper_id: string;
  key_id: string;
  signature: string;
}

function signStatement(k: KeeperKeyDef, statement: Record<string, unknown>): SignedStatementJson {
  return { statement, keeper_id: k.keeperId, key_id: keeperKeyIdOf(k), signature: keeperSign(k, keeperMessage(statement)) };
}

function keeperStatementVectors(): Vector[] {
  const [alice, bob, carolOld, carolNew, dave] = KEEPER_KEYS as [KeeperKeyDef, KeeperKeyDef, KeeperKeyDef, KeeperKeyDef, KeeperKeyDef];
  const T_BEFORE = '2026-03-01T12:00:00.000000Z';
  const T_AFTER = '2026-06-15T12:00:00.000000Z';
  const keyVectors: Vector[] = KEEPER_KEYS.map((k) => ({
    description: `keeper key of ${k.keeperId} (${k.activeUntil === null ? `from ${k.activeFrom}, open` : `from ${k.activeFrom} until ${k.activeUntil}`})`,
    input: { kind: 'key', ...k },
    expected: { publicKeyHex: hex(keeperPublicKey(k)), keyId: keeperKeyIdOf(k) },
  }));

  // Members deliberately unsorted: JCS sorts them.
  const haltClear = { type: 'halt.clear', halt_sequence: 42, ceremony_id: '018f3a00-0000-7000-8000-00000000c1ea', reason: 'fault investigated' };
  const registration = { type: 'keeper.key_registration', public_key: hex(keeperPublicKey(alice)), keeper_id: alice.keeperId, key_id: keeperKeyIdOf(alice) };
  const note = {
    type: 'keeper.note',
    text: 'Caf\u00e9 \u2615 \ud834\udd1e line\u2028end "quoted" \\ tab\t',
    amounts: [1, 2.5, 1e21, -0.000001],
    nested: { z: null, a: [true, false] },
  };
  const statement = (description: string, k: KeeperKeyDef, s: Record<string, unknown>, at: string): Vector => {
    const document = signStatement(k, s);
    return {
      description,
      input: { kind: 'statement', keeperId: k.keeperId, keyId: keeperKeyIdOf(k), statement: s, at },
      expected: { statementCanonical: jcs(s), messageHex: hex(keeperMessage(s)), signature: document.signature, document },
    };
  };
  const statements = [
    statement('KEEPER:alice signs her own key registration', alice, registration, T_BEFORE),
    statement('KEEPER:alice signs a halt clear (members unsorted)', alice, haltClear, T_AFTER),
    statement('KEEPER:bob signs the same halt clear', bob, haltClear, T_AFTER),
    statement("KEEPER:carol signs it with her rotated key at exactly that key's active_from", carolNew, haltClear, T_ROTATION),
    statement('KEEPER:bob signs a note with unicode edge cases (astral, U+2028, escapes, numbers)', bob, note, T_BEFORE),
  ];

  const aliceClear = signStatement(alice, haltClear);
  const sigBytes = Buffer.from(aliceClear.signature, 'base64');
  const checked = (description: string, document: unknown, at: string, keyId: string): Vector => ({ description, input: { kind: 'signed', document, at }, expected: { keyId } });
  const refused = (description: string, document: unknown, at: string, code: string): Vector => ({ description, input: { kind: 'signed', document, at }, expectedError: code });
  const reversed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());
  const signedChecks = [
    checked('document and statement members in another order verify unchanged', { ...reversed(aliceClear as unknown as Record<string, unknown>), statement: reversed(haltClear) }, T_AFTER, keeperKeyIdOf(alice)),
    checked('carol\'s retired key verifies a statement dated inside its window', signStatement(carolOld, haltClear), T_BEFORE, keeperKeyIdOf(carolOld)),
    refused('flipped bit in the signature', { ...aliceClear, signature: b64(flipBit(sigBytes, 9)) }, T_AFTER, 'SIG_INVALID'),
    refused('statement changed after signing (halt_sequence 43)', { ...aliceClear, statement: { ...haltClear, halt_sequence: 43 } }, T_AFTER, 'SIG_INVALID'),
    refused('statement changed after signing (NFC é to NFD e + U+0301)', { ...signStatement(bob, note), statement: { ...note, text: note.text.normalize('NFD') } }, T_AFTER, 'SIG_INVALID'),
    refused('signature over the statement with the event-signature prefix (domain separation)', { ...aliceClear, signature: keeperSign(alice, keeperMessage(haltClear, EVENT_DOMAIN)) }, T_AFTER, 'SIG_INVALID'),
    refused('signature over the bare JCS bytes, without prefix and 0x00', { ...aliceClear, signature: keeperSign(alice, utf8(jcs(haltClear))) }, T_AFTER, 'SIG_INVALID'),
    refused("signature by bob's key presented under alice's key id", { ...aliceClear, signature: keeperSign(bob, keeperMessage(haltClear)) }, T_AFTER, 'SIG_INVALID'),
    refused("bob's key named for alice (key of another keeper)", { ...signStatement(bob, haltClear), keeper_id: alice.keeperId }, T_AFTER, 'SIG_KEY_AGENT_MISMATCH'),
    refused('unknown key id', { ...aliceClear, key_id: 'keeper-0000000000000000' }, T_AFTER, 'SIG_KEY_UNKNOWN'),
    refused("carol's retired key after it was closed", signStatement(carolOld, haltClear), T_AFTER, 'SIG_KEY_INACTIVE'),
    refused("carol's retired key at exactly its active_until (exclusive)", signStatement(carolOld, haltClear), T_ROTATION, 'SIG_KEY_INACTIVE'),
    refused("dave's key before its active_from", signStatement(dave, haltClear), T_BEFORE, 'SIG_KEY_INACTIVE'),
    refused('signature truncated to 63 bytes', { ...aliceClear, signature: b64(sigBytes.subarray(0, 63)) }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('signature in non-canonical base64', { ...aliceClear, signature: nonCanonicalBase64(aliceClear.signature) }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('signature in unpadded base64', { ...aliceClear, signature: aliceClear.signature.replace(/=+$/, '') }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('an extra member in the document', { ...aliceClear, comment: 'hi' }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('keeper_id missing', { statement: haltClear, key_id: aliceClear.key_id, signature: aliceClear.signature }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('keeper_id of a witness', { ...aliceClear, keeper_id: 'WITNESS:alpha' }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('keeper_id with a lowercase prefix', { ...aliceClear, keeper_id: 'keeper:alice' }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('keeper_id of 129 characters', { ...aliceClear, keeper_id: `KEEPER:${'a'.repeat(122)}` }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('key_id with a space', { ...aliceClear, key_id: 'keeper 1' }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('statement that is an array', { ...aliceClear, statement: [haltClear] }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('statement without a type', { ...aliceClear, statement: { ceremony_id: haltClear.ceremony_id } }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('statement type that is not a string', { ...aliceClear, statement: { ...haltClear, type: 7 } }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('statement type with capitals', { ...aliceClear, statement: { ...haltClear, type: 'Halt.Clear' } }, T_AFTER, 'INPUT_FIELD_INVALID'),
    refused('statement with a lone surrogate', { ...aliceClear, statement: { ...haltClear, reason: 'x\ud800' } }, T_AFTER, 'INPUT_PAYLOAD_INVALID'),
    refused('statement with U+0000', { ...aliceClear, statement: { ...haltClear, reason: 'a\u0000b' } }, T_AFTER, 'INPUT_PAYLOAD_INVALID'),
  ];

  const quorum = (description: string, documents: unknown[], expectedStatement: unknown, at: string, n: number, keepers: string[] | string): Vector => ({
    description,
    input: { kind: 'quorum', documents, expectedStatement, at, quorum: n },
    ...(typeof keepers === 'string' ? { expectedError: keepers } : { expected: { keepers } }),
  });
  const bobClear = signStatement(bob, haltClear);
  const carolClear = signStatement(carolNew, haltClear);
  const otherClear = { ...haltClear, halt_sequence: 43 };
  const quorums = [
    quorum('three keepers, quorum 2: all three count, sorted', [carolClear, aliceClear, bobClear], haltClear, T_AFTER, 2, ['KEEPER:alice', 'KEEPER:bob', 'KEEPER:carol']),
    quorum('three keepers, quorum 3', [aliceClear, bobClear, carolClear], reversed(haltClear), T_AFTER, 3, ['KEEPER:alice', 'KEEPER:bob', 'KEEPER:carol']),
    quorum('three keepers, quorum 4', [aliceClear, bobClear, carolClear], haltClear, T_AFTER, 4, 'SIG_INVALID'),
    quorum('the same keeper twice counts once', [aliceClear, aliceClear], haltClear, T_AFTER, 2, 'SIG_INVALID'),
    quorum('one keeper signed a different statement', [aliceClear, signStatement(bob, otherClear)], haltClear, T_AFTER, 2, 'SIG_INVALID'),
    quorum('one signature does not verify', [aliceClear, { ...bobClear, signature: aliceClear.signature }], haltClear, T_AFTER, 2, 'SIG_INVALID'),
    quorum("one keeper's key is not active at the time", [aliceClear, signStatement(carolOld, haltClear)], haltClear, T_AFTER, 2, 'SIG_INVALID'),
    quorum('invalid signatures do not spoil a met quorum', [aliceClear, { ...bobClear, signature: aliceClear.signature }, carolClear], haltClear, T_AFTER, 2, ['KEEPER:alice', 'KEEPER:carol']),
    quorum('no signatures', [], haltClear, T_AFTER, 1, 'SIG_INVALID'),
  ];
  return [...keyVectors, ...statements, ...signedChecks, ...quorums];
}

// ---------------------------------------------------------------------------------------------------------------

function main(): void {
  mkdirSync(VECTOR_DIR, { recursive: true });
  for (const [name, vectors] of Object.entries(generateVectors())) {
    writeFileSync(join(VECTOR_DIR, name), renderVectorFile(vectors));
    console.log(`wrote test/vectors/${name} (${vectors.length} vectors)`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
