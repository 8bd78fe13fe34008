/**
 * Generates test/vectors/note-*.json: C2SP signed notes, checkpoints, cosignatures and add-checkpoint requests
 * (docs/PROTOCOL.md §16). scripts/gen-vectors.ts calls noteVectorFiles(); see test/vectors/README.md.
 *
 * Like gen-vectors.ts, this imports nothing from src/domain: a second, plain implementation (node:crypto SHA-256,
 * Buffer base64, libsodium Ed25519 from fixed seeds). Published examples (C2SP, golang.org/x/mod/sumdb/note,
 * transparency-dev/formats, a real cosigned checkpoint) are transcribed with their expected values, and the
 * generator refuses to write anything when its own key IDs, signatures or timestamps disagree with them.
 */
import { createHash } from 'node:crypto';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../src/adapters/crypto/sodium-ed25519.js';
import type { Vector } from './gen-vectors.js';

const EM = '\u2014';
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const unb64 = (text: string): Buffer => Buffer.from(text, 'base64');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const sha256 = (...parts: Uint8Array[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`gen-note-vectors: ${what}`);
}

/** signed-note key ID: SHA-256(name || 0x0A || type || public key)[:4]. */
function keyId(name: string, type: number, publicKey: Uint8Array): Buffer {
  return sha256(utf8(name), Buffer.of(0x0a, type), publicKey).subarray(0, 4);
}

/** A vkey "name+hexid+base64(type || key)" (the base64 may contain '+'), checked against its own key ID. */
function parseVkey(vkey: string): { name: string; type: number; publicKey: Buffer } {
  const [name = '', id = '', ...rest] = vkey.split('+');
  const raw = unb64(rest.join('+'));
  const publicKey = raw.subarray(1);
  check(keyId(name, raw[0] as number, publicKey).toString('hex') === id, `key ID of ${vkey}`);
  return { name, type: raw[0] as number, publicKey };
}

interface TestKey {
  name: string;
  seed: Buffer;
  publicKey: Uint8Array;
  secretKey: Buffer;
}

function testKey(name: string, seedByte: number): TestKey {
  const seed = Buffer.alloc(32, seedByte);
  return { name, seed, ...keyPairFromSeed(seed) };
}

const line = (name: string, bytes: Uint8Array): string => `${EM} ${name} ${b64(bytes)}\n`;
const noteLine = (k: TestKey, text: string): string => line(k.name, Buffer.concat([keyId(k.name, 1, k.publicKey), signEd25519(k.secretKey, utf8(text))]));
const cosignMessage = (text: string, time: bigint | number): Buffer => Buffer.concat([utf8(`cosignature/v1\ntime ${time}\n`), utf8(text)]);
function cosignLine(k: TestKey, text: string, time: number, name = k.name): string {
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(time));
  return line(name, Buffer.concat([keyId(name, 4, k.publicKey), ts, signEd25519(k.secretKey, cosignMessage(text, time))]));
}
const publicKeyOf = (k: TestKey) => ({ keyName: k.name, publicKeyB64: b64(k.publicKey) });
const cosignerOf = (k: TestKey, name = k.name) => ({ name, publicKeyB64: b64(k.publicKey) });

/** Flips bit `bit` of byte `byte` of the base64 payload of the last signature line of `note`. */
function flipInLastLine(note: string, byte: number, bit = 0): string {
  const lines = note.slice(0, -1).split('\n');
  const last = lines.pop() as string;
  const space = last.lastIndexOf(' ');
  const bytes = unb64(last.slice(space + 1));
  bytes[byte] = (bytes[byte] as number) ^ (1 << bit);
  return `${[...lines, `${last.slice(0, space + 1)}${b64(bytes)}`].join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Published examples, transcribed

/** c2sp.org/signed-note, section "Example" (C2SP/C2SP d4c16da5e7687a016619074e78dad84b2c7238cc). */
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE = `This is an example message.\n\n${EM} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n`;
/** c2sp.org/signed-note, the introduction's note (its key is not published: parse only). */
const QUASIMODO_NOTE =
  'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned \u00e8 subito sera.\n\n' +
  `${EM} quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n`;
/** golang.org/x/mod sumdb/note/note_test.go: TestSign, TestOpen. */
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = `${EM} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
const ENOCH_SIG = `${EM} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n`;
/** c2sp.org/tlog-checkpoint and tlog-witness examples. */
const SOFA_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SOFA_LOG_LINE = `${EM} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n`;
const SOFA_LOG_LINE_2 = `${EM} example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n`;
const WITNESS_REQUEST_PROOF = [
  'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=',
  'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=',
  '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=',
  '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
];
/** c2sp.org/tlog-cosignature example cosignature (the spec's signed-message example uses its time, 1679315147). */
const SPEC_COSIGNATURE = 'jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
/** transparency-dev/formats note/note_cosigv1_test.go TestCoSigV1Timestamp: a cosignature and a plain signature. */
const FORMATS_COSIGNATURE = 'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==';
const FORMATS_PLAIN_SIGNATURE = 'eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=';
/**
 * A real checkpoint of the static-CT log arche2025h1.staging.ct.transparency.dev (tree size 1432088532), with the
 * log's RFC 6962 (type 0x05) and Ed25519 (type 0x01) signatures and four witness cosignatures, among them one by
 * the public witness remora.n621.de; both verifier keys are the operators' published vkeys.
 */
const ARCHE_BODY = 'arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n';
const ARCHE_NOTE =
  `${ARCHE_BODY}\n` +
  `${EM} arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n` +
  `${EM} arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n` +
  `${EM} transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n` +
  `${EM} witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n` +
  `${EM} remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n` +
  `${EM} witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n`;
const ARCHE_VKEY = 'arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f';
const REMORA_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
const ARCHE_REMORA_TIME = 1779573024;

/** Our fixed keys: the development log and three cosigners (repeated-byte seeds). */
const DEV_ORIGIN = 'archon72.invalid/dev';
const LOG = testKey(DEV_ORIGIN, 0x4c);
const OTHER_LOG = testKey(DEV_ORIGIN, 0x4d);
const WITNESS_A = testKey('witness-a.archon72.invalid', 0xc1);
const WITNESS_B = testKey('witness-b.archon72.invalid', 0xc2);
const WITNESS_C = testKey('witness-c.archon72.invalid', 0xc3);
const EMPTY_ROOT = sha256();
/** An arbitrary 32-byte root: the note layer never recomputes roots. */
const ROOT_5 = sha256(utf8('archon72 note vectors: root of size 5'));
const ROOT_7 = sha256(utf8('archon72 note vectors: root of size 7'));
const T1 = 1798761600; // 2027-01-01T00:00:00Z
const body = (origin: string, size: number | string, root: Uint8Array | string) => `${origin}\n${size}\n${typeof root === 'string' ? root : b64(root)}\n`;

/** Checks the transcriptions before anything is written. */
function checkPublishedExamples(): void {
  const spec = parseVkey(SPEC_VKEY);
  const specSig = unb64(SPEC_NOTE.slice(SPEC_NOTE.lastIndexOf(' ') + 1));
  check(verifyEd25519Sodium(specSig.subarray(4), utf8('This is an example message.\n'), spec.publicKey), 'signed-note example verifies');
  const peter = parseVkey(PETER_VKEY);
  const skey = unb64(GO_SKEY.split('+').slice(4).join('+'));
  const signer = { ...keyPairFromSeed(skey.subarray(1)), name: 'PeterNeumann', seed: skey.subarray(1) };
  check(hex(signer.publicKey) === hex(peter.publicKey), 'Go signer key matches its verifier key');
  check(GO_TEXT + '\n' + noteLine(signer, GO_TEXT) === GO_TEXT + '\n' + PETER_SIG, 'libsodium reproduces the Go TestSign signature');
  const enoch = parseVkey(ENOCH_VKEY);
  check(verifyEd25519Sodium(unb64(ENOCH_SIG.trim().split(' ')[2] as string).subarray(4), utf8(GO_TEXT), enoch.publicKey), 'Enoch signature verifies');
  const arche = parseVkey(ARCHE_VKEY);
  const remora = parseVkey(REMORA_VKEY);
  check(arche.type === 1 && remora.type === 4, 'vkey types');
  const archeLines = ARCHE_NOTE.slice(ARCHE_BODY.length + 1, -1).split('\n');
  check(verifyEd25519Sodium(unb64(archeLines[1]?.split(' ')[2] as string).subarray(4), utf8(ARCHE_BODY), arche.publicKey), 'arche log signature verifies');
  const cosig = unb64(archeLines[4]?.split(' ')[2] as string);
  check(cosig.readBigUInt64BE(4) === BigInt(ARCHE_REMORA_TIME), 'remora timestamp');
  check(verifyEd25519Sodium(cosig.subarray(12), cosignMessage(ARCHE_BODY, ARCHE_REMORA_TIME), remora.publicKey), 'remora cosignature verifies');
  check(unb64(SPEC_COSIGNATURE).readBigUInt64BE(4) === 1679315147n, 'tlog-cosignature example time');
  check(unb64(FORMATS_COSIGNATURE).readBigUInt64BE(4) === 1727964367n, 'transparency-dev/formats timestamp');
}

// ---------------------------------------------------------------------------------------------------------------
// note-signed-note.json

function keyIdVector(description: string, vkey: string): Vector {
  const k = parseVkey(vkey);
  return { description, input: { kind: 'keyId', keyName: k.name, signatureType: k.type, publicKeyB64: b64(k.publicKey) }, expected: { keyIdHex: vkey.split('+')[1] } };
}

function parsed(note: string): { text: string; signatures: Array<{ keyName: string; keyIdHex: string; signatureB64: string }> } {
  const split = note.lastIndexOf('\n\n');
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((l) => {
      const [, keyName = '', sig = ''] = l.split(' ');
      const bytes = unb64(sig);
      return { keyName, keyIdHex: hex(bytes.subarray(0, 4)), signatureB64: b64(bytes.subarray(4)) };
    });
  return { text: note.slice(0, split + 1), signatures };
}

function signedNoteVectors(): Vector[] {
  const spec = parseVkey(SPEC_VKEY);
  const peter = parseVkey(PETER_VKEY);
  const enoch = parseVkey(ENOCH_VKEY);
  const key = (k: { name: string; publicKey: Uint8Array }) => ({ keyName: k.name, publicKeyB64: b64(k.publicKey) });
  const goNote = `${GO_TEXT}\n${PETER_SIG}`;
  const both = `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
  const parse = (description: string, note: string): Vector => ({ description, input: { kind: 'parse', note }, expected: parsed(note) });
  const bad = (description: string, note: string): Vector => ({ description, input: { kind: 'parse', note }, expectedError: 'INPUT_NOTE_MALFORMED' });
  const verify = (description: string, note: string, k: { name: string; publicKey: Uint8Array }, expectedError?: string): Vector =>
    expectedError === undefined
      ? { description, input: { kind: 'verify', note, key: key(k) }, expected: { keyIdHex: hex(keyId(k.name, 1, k.publicKey)) } }
      : { description, input: { kind: 'verify', note, key: key(k) }, expectedError };
  const hundred = `${GO_TEXT}\n${PETER_SIG.repeat(100)}`;
  const nameWith = (name: string) => `${GO_TEXT}\n${PETER_SIG.replace('PeterNeumann', name)}`;
  return [
    keyIdVector('key ID of the signed-note example key example.com/foo (530d903a)', SPEC_VKEY),
    keyIdVector('key ID of the Go sumdb/note test key PeterNeumann (c74f20a3)', PETER_VKEY),
    keyIdVector('key ID of the Go sumdb/note test key EnochRoot (af0cfe78)', ENOCH_VKEY),
    keyIdVector('key ID of the arche2025h1 log key, type 0x01 (ba2f06c0)', ARCHE_VKEY),
    keyIdVector('key ID of the remora.n621.de cosigner key, type 0x04 (da77ade7)', REMORA_VKEY),
    parse('the signed-note example parses', SPEC_NOTE),
    parse('the signed-note introduction parses: the text keeps its inner blank line (split at the last one)', QUASIMODO_NOTE),
    parse('Go TestOpen note with two signatures parses, in order', both),
    parse('100 signature lines are accepted', hundred),
    parse('a key name may contain U+FEFF (not a Unicode space)', nameWith('Peter\ufeffNeumann')),
    parse('an empty text (the note starts with the blank line) parses', `\n\n${PETER_SIG}`),
    verify('the signed-note example verifies with its key', SPEC_NOTE, spec),
    verify('Go TestSign note verifies with PeterNeumann', goNote, peter),
    verify('Go TestOpen two-signature note verifies with PeterNeumann', both, peter),
    verify('Go TestOpen two-signature note verifies with EnochRoot', both, enoch),
    verify('a note signed only by PeterNeumann has no signature of EnochRoot', goNote, enoch, 'SIG_NOTE_SIGNATURE_MISSING'),
    verify('Go TestOpen "wrong hash": same name, other key ID, is another key and ignored', `${GO_TEXT}\n${PETER_SIG.replace('x08g', 'xxxx')}`, peter, 'SIG_NOTE_SIGNATURE_MISSING'),
    verify('Go TestOpen "misnamed": same key ID under another name is ignored', `${GO_TEXT}\n${PETER_SIG.replace('PeterNeumann', 'CarmenSandiego')}`, peter, 'SIG_NOTE_SIGNATURE_MISSING'),
    verify('Go TestOpen "invalid signature": four base64 characters inserted', `${GO_TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, peter, 'SIG_INVALID'),
    verify('one flipped bit in the signature', flipInLastLine(goNote, 10), peter, 'SIG_INVALID'),
    verify('one flipped bit in the key ID', flipInLastLine(goNote, 0), peter, 'SIG_NOTE_SIGNATURE_MISSING'),
    verify('one changed byte in the text', goNote.replace('cryptography', 'cryptographz'), peter, 'SIG_INVALID'),
    verify('a valid and a failing line of the same key: rejected (signed-note SHOULD; Go would ignore the second)', `${GO_TEXT}\n${PETER_SIG}${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, peter, 'SIG_INVALID'),
    verify('a malformed note is refused before any key is looked at', GO_TEXT, peter, 'INPUT_NOTE_MALFORMED'),
    bad('Go TestOpen bad message: text only, no blank line', GO_TEXT),
    bad('Go TestOpen bad message: blank line but no signature', `${GO_TEXT}\n`),
    bad('Go TestOpen bad message: last signature line without its newline', `${GO_TEXT}\n${PETER_SIG.slice(0, -1)}`),
    bad('Go TestOpen bad message: a control character (U+0001)', `\u0001${GO_TEXT}\n${PETER_SIG}`),
    bad('a lone surrogate (where Go tests the byte 0xff: not UTF-8)', `\ud800${GO_TEXT}\n${PETER_SIG}`),
    bad('Go TestOpen bad message: key name with a space', `${GO_TEXT}\n${EM} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`),
    bad('Go TestOpen bad message: a line after the signatures that is not one', `${GO_TEXT}\n${PETER_SIG}Unexpected line.\n`),
    bad('Go TestOpen: 101 signature lines', `${GO_TEXT}\n${PETER_SIG.repeat(101)}`),
    bad('a trailing blank line leaves an empty signature block', `${GO_TEXT}\n${PETER_SIG}\n`),
    bad('CRLF line ends (carriage return is a control character)', `${GO_TEXT}\n${PETER_SIG}`.replace(/\n/g, '\r\n')),
    bad('a hyphen instead of the em dash', `${GO_TEXT}\n${PETER_SIG.replace(EM, '-')}`),
    bad('an en dash instead of the em dash', `${GO_TEXT}\n${PETER_SIG.replace(EM, '\u2013')}`),
    bad('no space after the em dash', `${GO_TEXT}\n${PETER_SIG.replace(`${EM} `, EM)}`),
    bad('key name containing "+"', nameWith('Peter+Neumann')),
    bad('key name containing U+00A0 (no-break space)', nameWith('Peter\u00a0Neumann')),
    bad('key name containing U+0085 (next line)', nameWith('Peter\u0085Neumann')),
    bad('key name containing U+3000 (ideographic space)', nameWith('Peter\u3000Neumann')),
    bad('empty key name', `${GO_TEXT}\n${PETER_SIG.replace('PeterNeumann', '')}`),
    bad('signature without padding', `${GO_TEXT}\n${PETER_SIG.replace('AM=\n', 'AM\n')}`),
    bad('non-canonical base64 (non-zero padding bits)', `${GO_TEXT}\n${PETER_SIG.replace('AM=\n', 'AN=\n')}`),
    bad('base64url alphabet', `${GO_TEXT}\n${PETER_SIG.replace('x08go/', 'x08go_')}`),
    bad('two spaces between name and signature', `${GO_TEXT}\n${PETER_SIG.replace('PeterNeumann ', 'PeterNeumann  ')}`),
    bad('a signature of exactly four bytes (a key ID and nothing signed)', `${GO_TEXT}\n${EM} PeterNeumann x08gow==\n`),
    bad('no signature after the key name', `${GO_TEXT}\n${EM} PeterNeumann\n`),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// note-checkpoint.json

function checkpointVectors(): Vector[] {
  const arche = parseVkey(ARCHE_VKEY);
  const archeKey = { keyName: arche.name, publicKeyB64: b64(arche.publicKey) };
  const format = (description: string, origin: string, treeSize: number, root: Uint8Array): Vector => ({
    description,
    input: { kind: 'body', origin, treeSize, rootHashB64: b64(root) },
    expected: { body: body(origin, treeSize, root) },
  });
  const parse = (description: string, text: string, extensions: string[] = []): Vector => {
    const [origin, size, root] = text.split('\n');
    return { description, input: { kind: 'parse', body: text }, expected: { origin, treeSize: Number(size), rootHashB64: root, extensions } };
  };
  const bad = (description: string, text: string): Vector => ({ description, input: { kind: 'parse', body: text }, expectedError: 'INPUT_CHECKPOINT_MALFORMED' });
  const signed = (description: string, note: string, key: { keyName: string; publicKeyB64: string }, expectedError?: string): Vector => {
    const input = { kind: 'signed', note, log: key };
    if (expectedError !== undefined) return { description, input, expectedError };
    const [origin, size, root] = note.split('\n');
    return { description, input, expected: { origin, treeSize: Number(size), rootHashB64: root, keyIdHex: hex(keyId(key.keyName, 1, unb64(key.publicKeyB64))) } };
  };
  const dev0 = body(DEV_ORIGIN, 0, EMPTY_ROOT);
  const dev5 = body(DEV_ORIGIN, 5, ROOT_5);
  const logged = (text: string, k: TestKey = LOG) => `${text}\n${noteLine(k, text)}`;
  const devKey = publicKeyOf(LOG);
  return [
    format('the empty development log: size 0, root SHA-256("")', DEV_ORIGIN, 0, EMPTY_ROOT),
    format('size 5 of the development log', DEV_ORIGIN, 5, ROOT_5),
    format('largest size represented: 2^53 - 1', 'example.com/big', Number.MAX_SAFE_INTEGER, ROOT_7),
    parse('the tlog-checkpoint example body', SOFA_BODY),
    parse('the arche2025h1 checkpoint body', ARCHE_BODY),
    parse('tree size 0', dev0),
    parse('tree size 2^53 - 1', body('example.com/big', Number.MAX_SAFE_INTEGER, ROOT_7)),
    parse('extension lines are kept, opaque', `${dev5}ext one\n\u00e9xtension two\n`, ['ext one', '\u00e9xtension two']),
    parse('an origin with spaces is accepted when parsing (clients must not assume its format)', body('my log', 1, ROOT_5)),
    bad('no final newline', dev5.slice(0, -1)),
    bad('two lines only', `${DEV_ORIGIN}\n5\n`),
    bad('empty origin', body('', 5, ROOT_5)),
    bad('tree size with a leading zero', body(DEV_ORIGIN, '05', ROOT_5)),
    bad('tree size "00"', body(DEV_ORIGIN, '00', ROOT_5)),
    bad('negative tree size', body(DEV_ORIGIN, '-5', ROOT_5)),
    bad('tree size with a plus sign', body(DEV_ORIGIN, '+5', ROOT_5)),
    bad('tree size in exponent notation', body(DEV_ORIGIN, '5e0', ROOT_5)),
    bad('tree size with a space', body(DEV_ORIGIN, ' 5', ROOT_5)),
    bad('empty tree size', body(DEV_ORIGIN, '', ROOT_5)),
    bad('tree size 2^53 (beyond what we represent)', body(DEV_ORIGIN, '9007199254740992', ROOT_5)),
    bad('root hash of 31 bytes', body(DEV_ORIGIN, 5, ROOT_5.subarray(1))),
    bad('root hash of 33 bytes', body(DEV_ORIGIN, 5, Buffer.concat([ROOT_5, Buffer.of(0)]))),
    bad('root hash without padding', body(DEV_ORIGIN, 5, b64(ROOT_5).replace(/=+$/, ''))),
    bad('root hash in hex', body(DEV_ORIGIN, 5, hex(ROOT_5))),
    bad('an empty extension line', `${dev5}\nafter\n`),
    bad('an empty extension line at the end', `${dev5}\n`),
    signed('our development checkpoint of size 0, signed by the log key', logged(dev0), devKey),
    signed('our development checkpoint of size 5, signed by the log key', logged(dev5), devKey),
    signed('the real arche2025h1 checkpoint verifies with the log\'s Ed25519 key (its other lines are ignored)', ARCHE_NOTE, archeKey),
    signed('the arche2025h1 checkpoint with its tree size changed', ARCHE_NOTE.replace('1432088532', '42'), archeKey, 'SIG_INVALID'),
    signed('a checkpoint signed by another key under the same name', logged(dev5, OTHER_LOG), devKey, 'SIG_NOTE_SIGNATURE_MISSING'),
    signed('a checkpoint of another log (the arche note, checked with our log key)', ARCHE_NOTE, devKey, 'SIG_NOTE_SIGNATURE_MISSING'),
    signed('the root hash changed after signing', logged(dev5).replace(b64(ROOT_5), b64(ROOT_7)), devKey, 'SIG_INVALID'),
    signed('one flipped bit in the log signature', flipInLastLine(logged(dev5), 40, 3), devKey, 'SIG_INVALID'),
    signed('a signed note whose text is not a checkpoint', logged('hello\n'), devKey, 'INPUT_CHECKPOINT_MALFORMED'),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// note-cosignature.json

function cosignatureVectors(): Vector[] {
  const remora = parseVkey(REMORA_VKEY);
  const remoraKey = { name: remora.name, publicKeyB64: b64(remora.publicKey) };
  const dev5 = body(DEV_ORIGIN, 5, ROOT_5);
  const ext = `${body(DEV_ORIGIN, 7, ROOT_7)}extension\n`;
  const signedDev5 = `${dev5}\n${noteLine(LOG, dev5)}`;
  const cosign = (description: string, k: TestKey, text: string, timestamp: number): Vector => ({
    description,
    input: { kind: 'cosign', noteText: text, cosigner: { name: k.name, seedHex: hex(k.seed) }, timestamp },
    expected: {
      publicKeyB64: b64(k.publicKey),
      keyIdHex: hex(keyId(k.name, 4, k.publicKey)),
      messageHex: hex(cosignMessage(text, timestamp)),
      line: cosignLine(k, text, timestamp),
    },
  });
  const parse = (description: string, keyName: string, signatureB64: string, expectedError?: string): Vector => {
    const input = { kind: 'parse', keyName, signatureB64 };
    if (expectedError !== undefined) return { description, input, expectedError };
    const bytes = unb64(signatureB64);
    return { description, input, expected: { keyIdHex: hex(bytes.subarray(0, 4)), timestamp: Number(bytes.readBigUInt64BE(4)), signatureHex: hex(bytes.subarray(12)) } };
  };
  const withTime = (time: bigint) => {
    const bytes = Buffer.alloc(76, 7);
    bytes.writeBigUInt64BE(time, 4);
    return b64(bytes);
  };
  const verify = (description: string, note: string, cosigner: { name: string; publicKeyB64: string }, expected: number | string): Vector => ({
    description,
    input: { kind: 'verify', note, cosigner },
    ...(typeof expected === 'number' ? { expected: { timestamp: expected } } : { expectedError: expected }),
  });
  const quorum = (description: string, note: string, trusted: Array<{ name: string; publicKeyB64: string }>, k: number, expected: { cosigners: string[]; invalid: string[] } | string): Vector => ({
    description,
    input: { kind: 'quorum', note, trusted, quorum: k },
    ...(typeof expected === 'string' ? { expectedError: expected } : { expected }),
  });
  const a = cosignLine(WITNESS_A, dev5, T1);
  const b = cosignLine(WITNESS_B, dev5, T1 + 1);
  const c = cosignLine(WITNESS_C, dev5, T1 + 2);
  const aFlipped = flipInLastLine(`${dev5}\n${a}`, 40).slice(dev5.length + 1);
  const noHeader = line(WITNESS_A.name, Buffer.concat([keyId(WITNESS_A.name, 4, WITNESS_A.publicKey), Buffer.alloc(8), signEd25519(WITNESS_A.secretKey, utf8(dev5))]));
  const retimed = (() => {
    const bytes = unb64(a.trim().split(' ')[2] as string);
    bytes.writeBigUInt64BE(BigInt(T1 + 60), 4);
    return line(WITNESS_A.name, bytes);
  })();
  const asType1 = line(WITNESS_A.name, Buffer.concat([keyId(WITNESS_A.name, 1, WITNESS_A.publicKey), unb64(a.trim().split(' ')[2] as string).subarray(4)]));
  const short = line(WITNESS_A.name, Buffer.concat([keyId(WITNESS_A.name, 4, WITNESS_A.publicKey), signEd25519(WITNESS_A.secretKey, cosignMessage(dev5, T1))]));
  // One key listed under two names: its signature, relabelled under the second name's key ID, verifies for both.
  const aAsB = line(WITNESS_B.name, Buffer.concat([keyId(WITNESS_B.name, 4, WITNESS_A.publicKey), unb64(a.trim().split(' ')[2] as string).subarray(4)]));
  const trusted = [cosignerOf(WITNESS_A), cosignerOf(WITNESS_B), cosignerOf(WITNESS_C)];
  return [
    cosign('witness A cosigns our development checkpoint of size 5', WITNESS_A, dev5, T1),
    cosign('witness B cosigns the same checkpoint a second later', WITNESS_B, dev5, T1 + 1),
    cosign('a cosignature covers extension lines', WITNESS_C, ext, T1),
    cosign('timestamp 0', WITNESS_A, dev5, 0),
    cosign('timestamp 2^53 - 1', WITNESS_A, dev5, Number.MAX_SAFE_INTEGER),
    parse('the tlog-cosignature example line: key ID 8d66cf3f, time 1679315147', 'witness.example.com/w1', SPEC_COSIGNATURE),
    parse('transparency-dev/formats TestCoSigV1Timestamp "works": time 1727964367', 'witness.example/w1', FORMATS_COSIGNATURE),
    parse('the remora.n621.de cosignature of the arche2025h1 checkpoint', remora.name, (ARCHE_NOTE.split('\n').find((l) => l.startsWith(`${EM} remora.n621.de `)) as string).split(' ')[2] as string),
    parse('timestamp 2^53 - 1 is accepted', 'w', withTime(2n ** 53n - 1n)),
    parse('transparency-dev/formats TestCoSigV1Timestamp "wrong type of signature" (68 bytes)', 'w', FORMATS_PLAIN_SIGNATURE, 'SIG_MALFORMED'),
    parse('a cosignature one byte short', 'w', b64(unb64(FORMATS_COSIGNATURE).subarray(0, 75)), 'SIG_MALFORMED'),
    parse('a cosignature one byte long', 'w', b64(Buffer.concat([unb64(FORMATS_COSIGNATURE), Buffer.of(0)])), 'SIG_MALFORMED'),
    parse('timestamp 2^63 (tlog-cosignature: MUST NOT exceed 2^63 - 1)', 'w', withTime(2n ** 63n), 'SIG_MALFORMED'),
    parse('timestamp 2^64 - 1', 'w', withTime(2n ** 64n - 1n), 'SIG_MALFORMED'),
    parse('timestamp 2^53 (beyond what we represent)', 'w', withTime(2n ** 53n), 'SIG_MALFORMED'),
    verify('the real remora.n621.de cosignature on the arche2025h1 checkpoint verifies', ARCHE_NOTE, remoraKey, ARCHE_REMORA_TIME),
    verify('the arche2025h1 checkpoint with its root changed', ARCHE_NOTE.replace('U7WM79', 'U7WM78'), remoraKey, 'SIG_INVALID'),
    verify('witness A on our signed checkpoint', `${signedDev5}${a}`, cosignerOf(WITNESS_A), T1),
    verify('witness C on a checkpoint with an extension line', `${ext}\n${cosignLine(WITNESS_C, ext, T1)}`, cosignerOf(WITNESS_C), T1),
    verify('the extension line changed after cosigning', `${ext.replace('extension', 'extensioN')}\n${cosignLine(WITNESS_C, ext, T1)}`, cosignerOf(WITNESS_C), 'SIG_INVALID'),
    verify('one flipped bit in the Ed25519 signature', `${signedDev5}${aFlipped}`, cosignerOf(WITNESS_A), 'SIG_INVALID'),
    verify('the timestamp in the line changed (the signed message names the old one)', `${signedDev5}${retimed}`, cosignerOf(WITNESS_A), 'SIG_INVALID'),
    verify('a signature over the bare note text (no cosignature/v1 header)', `${signedDev5}${noHeader}`, cosignerOf(WITNESS_A), 'SIG_INVALID'),
    verify('a line of the cosigner without the timestamp (4 + 64 bytes)', `${signedDev5}${short}`, cosignerOf(WITNESS_A), 'SIG_INVALID'),
    verify('the cosignature under the type 0x01 key ID is another key: ignored', `${signedDev5}${asType1}`, cosignerOf(WITNESS_A), 'SIG_NOTE_SIGNATURE_MISSING'),
    verify('no line of this cosigner (only the log signed)', signedDev5, cosignerOf(WITNESS_A), 'SIG_NOTE_SIGNATURE_MISSING'),
    verify('the log key used as a cosigner key: the log line has type 0x01, so it is ignored', signedDev5, cosignerOf(LOG), 'SIG_NOTE_SIGNATURE_MISSING'),
    quorum('3 of 3 trusted cosigners, quorum 2', `${signedDev5}${a}${b}${c}`, trusted, 2, { cosigners: [WITNESS_A.name, WITNESS_B.name, WITNESS_C.name], invalid: [] }),
    quorum('2 of 3 trusted cosigners, quorum 2', `${signedDev5}${a}${c}`, trusted, 2, { cosigners: [WITNESS_A.name, WITNESS_C.name], invalid: [] }),
    quorum('lines of unknown cosigners are ignored', `${signedDev5}${a}${cosignLine(testKey('stranger.example', 0x55), dev5, T1)}${b}`, trusted, 2, { cosigners: [WITNESS_A.name, WITNESS_B.name], invalid: [] }),
    quorum('1 of 3, quorum 2', `${signedDev5}${b}`, trusted, 2, 'SIG_COSIGNATURE_QUORUM_NOT_MET'),
    quorum('2 lines, one of them failing, quorum 2', `${signedDev5}${aFlipped}${b}`, trusted, 2, 'SIG_COSIGNATURE_QUORUM_NOT_MET'),
    quorum('a failing line is reported and not counted', `${signedDev5}${aFlipped}${b}${c}`, trusted, 2, { cosigners: [WITNESS_B.name, WITNESS_C.name], invalid: [WITNESS_A.name] }),
    quorum('one key listed under two names counts once', `${signedDev5}${a}${aAsB}`, [cosignerOf(WITNESS_A), cosignerOf(WITNESS_A, WITNESS_B.name)], 2, 'SIG_COSIGNATURE_QUORUM_NOT_MET'),
    quorum('3 of 3, quorum 3', `${signedDev5}${c}${b}${a}`, trusted, 3, { cosigners: [WITNESS_A.name, WITNESS_B.name, WITNESS_C.name], invalid: [] }),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// note-add-checkpoint.json

function addCheckpointVectors(): Vector[] {
  const specCheckpoint = `${SOFA_BODY}\n${SOFA_LOG_LINE}${SOFA_LOG_LINE_2}`;
  const specRequest = `old 20852014\n${WITNESS_REQUEST_PROOF.map((p) => `${p}\n`).join('')}\n${specCheckpoint}`;
  const dev5 = body(DEV_ORIGIN, 5, ROOT_5);
  const checkpoint = `${dev5}\n${noteLine(LOG, dev5)}`;
  const proof = (n: number) => Array.from({ length: n }, (_, i) => sha256(utf8(`proof hash ${i}`)));
  const request = (description: string, oldSize: number, hashes: Uint8Array[], cp = checkpoint): Vector => ({
    description,
    input: { kind: 'request', body: `old ${oldSize}\n${hashes.map((h) => `${b64(h)}\n`).join('')}\n${cp}` },
    expected: { oldSize, consistencyProofHex: hashes.map(hex), checkpoint: cp },
  });
  const bad = (description: string, text: string): Vector => ({ description, input: { kind: 'request', body: text }, expectedError: 'INPUT_ADD_CHECKPOINT_MALFORMED' });
  const size = (description: string, text: string, treeSize?: number): Vector =>
    treeSize === undefined ? { description, input: { kind: 'size', body: text }, expectedError: 'INPUT_ADD_CHECKPOINT_MALFORMED' } : { description, input: { kind: 'size', body: text }, expected: { treeSize } };
  return [
    {
      description: 'the tlog-witness example request: old 20852014, four proof hashes, a checkpoint with two signatures',
      input: { kind: 'request', body: specRequest },
      expected: { oldSize: 20852014, consistencyProofHex: WITNESS_REQUEST_PROOF.map((p) => hex(unb64(p))), checkpoint: specCheckpoint },
    },
    request('old 0 and no proof (the first request to a witness)', 0, []),
    request('old 3 with a proof of 2 hashes', 3, proof(2)),
    request('63 proof lines, the most allowed', 4, proof(63)),
    bad('64 proof lines', `old 4\n${proof(64).map((h) => `${b64(h)}\n`).join('')}\n${checkpoint}`),
    bad('old size with a leading zero', `old 03\n\n${checkpoint}`),
    bad('negative old size', `old -1\n\n${checkpoint}`),
    bad('"Old" capitalised', `Old 3\n\n${checkpoint}`),
    bad('two spaces after "old"', `old  3\n\n${checkpoint}`),
    bad('no old line', `\n${checkpoint}`),
    bad('old size 2^53', `old 9007199254740992\n\n${checkpoint}`),
    bad('a proof hash of 31 bytes', `old 3\n${b64(proof(1)[0]?.subarray(1) as Buffer)}\n\n${checkpoint}`),
    bad('a proof hash in the base64url alphabet', `old 3\n-_${'A'.repeat(41)}=\n\n${checkpoint}`),
    bad('no empty line before the checkpoint', `old 0\n${checkpoint}`.replace('\n\n', '\n')),
    bad('no checkpoint after the empty line', 'old 0\n\n'),
    bad('CRLF after the old line', `old 0\r\n\n${checkpoint}`),
    size('409 body "20852163\\n"', '20852163\n', 20852163),
    size('409 body "0\\n"', '0\n', 0),
    size('409 body with a leading zero', '012\n'),
    size('409 body without its newline', '12'),
    size('409 body with two newlines', '12\n\n'),
    size('409 body that is empty', ''),
    size('409 body of 2^53', '9007199254740992\n'),
  ];
}

/** The note vector files, by file name. Throws when a transcribed example does not check out. */
export function noteVectorFiles(): Record<string, Vector[]> {
  checkPublishedExamples();
  return {
    'note-signed-note.json': signedNoteVectors(),
    'note-checkpoint.json': checkpointVectors(),
    'note-cosignature.json': cosignatureVectors(),
    'note-add-checkpoint.json': addCheckpointVectors(),
  };
}
