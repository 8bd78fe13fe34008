import { describe, expect, it } from 'vitest';
import { keyPairFromSeed, signEd25519, verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { fromBase64, toBase64, toHex } from '../../../src/domain/encoding/bytes.js';
import { verifyEd25519Portable, type Ed25519Verify } from '../../../src/domain/signing/ed25519.js';
import { formatAddCheckpointRequest, parseAddCheckpointRequest, parseTreeSizeBody } from '../../../src/domain/note/add-checkpoint-request.js';
import { checkpointBody, parseCheckpointBody } from '../../../src/domain/note/checkpoint-note.js';
import { cosignatureKeyId, cosignatureLine, cosignatureMessage, parseCosignature, verifyCosignature, verifyCosignatureQuorum } from '../../../src/domain/note/cosignature.js';
import { noteKeyId, parseSignedNote } from '../../../src/domain/note/signed-note.js';
import { verifyNoteSignature } from '../../../src/domain/note/verify-note.js';
import { expectCode } from '../../support/expect-code.js';
import { errorClassFor, hexBytes, loadVectors, type Vector } from '../load-vectors.js';

// test/vectors/note-*.json (scripts/gen-note-vectors.ts, test/vectors/README.md), run against both verifiers.

type Expected = Record<string, unknown>;
type Loose = Vector<Record<string, unknown> & { kind: string }, Expected>;

const VERIFIERS: Array<[string, Ed25519Verify]> = [
  ['libsodium', verifyEd25519Sodium],
  ['portable', verifyEd25519Portable],
];

function b64(text: unknown): Uint8Array {
  const bytes = fromBase64(text as string);
  if (bytes === undefined) throw new Error(`not base64: ${String(text)}`);
  return bytes;
}

/** Runs `act` for every vector of `kind` in `file`: compares its value with `expected`, or its error code. */
function runVectors(file: string, kind: string, act: (input: Record<string, unknown>, verify: Ed25519Verify) => unknown): void {
  const vectors = loadVectors<Loose['input'], Expected>(file).filter((v) => v.input.kind === kind);
  it('has vectors of this kind', () => expect(vectors.length).toBeGreaterThan(0));
  describe.each(VERIFIERS)('with the %s verifier', (_, verify) => {
    it.each(vectors.map((v) => [v.description, v] as const))('%s', (_description, v) => {
      if (v.expectedError !== undefined) expectCode(() => act(v.input, verify), errorClassFor(v.expectedError), v.expectedError);
      else expect(act(v.input, verify)).toEqual(v.expected);
    });
  });
}

describe('note-signed-note.json', () => {
  describe('keyId', () => {
    runVectors('note-signed-note.json', 'keyId', (input) => ({ keyIdHex: toHex(noteKeyId(input.keyName as string, input.signatureType as number, b64(input.publicKeyB64))) }));
  });
  describe('parse', () => {
    runVectors('note-signed-note.json', 'parse', (input) => {
      const note = parseSignedNote(input.note as string);
      return { text: note.text, signatures: note.signatures.map((s) => ({ keyName: s.keyName, keyIdHex: toHex(s.keyId), signatureB64: toBase64(s.signature) })) };
    });
  });
  describe('verify', () => {
    runVectors('note-signed-note.json', 'verify', (input, verify) => {
      const key = input.key as { keyName: string; publicKeyB64: string };
      const line = verifyNoteSignature(parseSignedNote(input.note as string), { keyName: key.keyName, publicKey: b64(key.publicKeyB64) }, verify);
      return { keyIdHex: toHex(line.keyId) };
    });
  });
});

describe('note-checkpoint.json', () => {
  describe('body', () => {
    runVectors('note-checkpoint.json', 'body', (input) => ({ body: checkpointBody({ origin: input.origin as string, treeSize: input.treeSize as number, rootHash: b64(input.rootHashB64) }) }));
  });
  describe('parse', () => {
    runVectors('note-checkpoint.json', 'parse', (input) => {
      const body = parseCheckpointBody(input.body as string);
      return { origin: body.origin, treeSize: body.treeSize, rootHashB64: toBase64(body.rootHash), extensions: body.extensions };
    });
  });
  describe('signed', () => {
    runVectors('note-checkpoint.json', 'signed', (input, verify) => {
      const log = input.log as { keyName: string; publicKeyB64: string };
      const note = parseSignedNote(input.note as string);
      const body = parseCheckpointBody(note.text);
      const line = verifyNoteSignature(note, { keyName: log.keyName, publicKey: b64(log.publicKeyB64) }, verify);
      return { origin: body.origin, treeSize: body.treeSize, rootHashB64: toBase64(body.rootHash), keyIdHex: toHex(line.keyId) };
    });
  });
});

describe('note-cosignature.json', () => {
  describe('cosign', () => {
    runVectors('note-cosignature.json', 'cosign', (input) => {
      const cosigner = input.cosigner as { name: string; seedHex: string };
      const { publicKey, secretKey } = keyPairFromSeed(hexBytes(cosigner.seedHex));
      const message = cosignatureMessage(input.noteText as string, input.timestamp as number);
      const keyId = cosignatureKeyId(cosigner.name, publicKey);
      return {
        publicKeyB64: toBase64(publicKey),
        keyIdHex: toHex(keyId),
        messageHex: toHex(message),
        line: cosignatureLine(cosigner.name, keyId, input.timestamp as number, signEd25519(secretKey, message)),
      };
    });
  });
  describe('parse', () => {
    runVectors('note-cosignature.json', 'parse', (input) => {
      const bytes = b64(input.signatureB64);
      const cosignature = parseCosignature({ keyName: input.keyName as string, keyId: bytes.slice(0, 4), signature: bytes.slice(4) });
      return { keyIdHex: toHex(cosignature.keyId), timestamp: cosignature.timestamp, signatureHex: toHex(cosignature.signature) };
    });
  });
  describe('verify', () => {
    runVectors('note-cosignature.json', 'verify', (input, verify) => {
      const cosigner = input.cosigner as { name: string; publicKeyB64: string };
      return { timestamp: verifyCosignature(parseSignedNote(input.note as string), { name: cosigner.name, publicKey: b64(cosigner.publicKeyB64) }, verify).timestamp };
    });
  });
  describe('quorum', () => {
    runVectors('note-cosignature.json', 'quorum', (input, verify) => {
      const trusted = (input.trusted as Array<{ name: string; publicKeyB64: string }>).map((t) => ({ name: t.name, publicKey: b64(t.publicKeyB64) }));
      const result = verifyCosignatureQuorum(parseSignedNote(input.note as string), trusted, input.quorum as number, verify);
      return { cosigners: result.cosignatures.map((c) => c.cosignerName), invalid: result.invalid };
    });
  });
});

describe('note-add-checkpoint.json', () => {
  describe('request', () => {
    runVectors('note-add-checkpoint.json', 'request', (input) => {
      const request = parseAddCheckpointRequest(input.body as string);
      // Formatting the parsed request gives back the body, byte for byte.
      expect(formatAddCheckpointRequest(request)).toBe(input.body);
      return { oldSize: request.oldSize, consistencyProofHex: request.consistencyProof.map(toHex), checkpoint: request.checkpoint };
    });
  });
  describe('size', () => {
    runVectors('note-add-checkpoint.json', 'size', (input) => ({ treeSize: parseTreeSizeBody(input.body as string) }));
  });
});
