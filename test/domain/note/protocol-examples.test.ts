import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { fromBase64, toHex, utf8 } from '../../../src/domain/encoding/bytes.js';
import { logKeyId, parseCheckpointBody } from '../../../src/domain/note/checkpoint-note.js';
import { cosignatureMessage, verifyCosignature } from '../../../src/domain/note/cosignature.js';
import { formatSignedNote, parseSignedNote } from '../../../src/domain/note/signed-note.js';
import { verifyNoteSignature } from '../../../src/domain/note/verify-note.js';
import { loadVectors } from '../load-vectors.js';

// STYLE.md §2.12: the worked examples of docs/PROTOCOL.md §16 are the vectors' values, checked here.
const protocol = readFileSync(fileURLToPath(new URL('../../../docs/PROTOCOL.md', import.meta.url)), 'utf8');
const section = protocol.slice(protocol.indexOf('## 16. Cosignatures and the cosigner'), protocol.indexOf('## 17.'));

describe('docs/PROTOCOL.md §16 examples', () => {
  it('§16.2: the signed empty checkpoint is the vector, and verifies with the key and key ID given', () => {
    const vector = loadVectors<{ note: string; log: { publicKeyB64: string } }>('note-checkpoint.json').find((v) => v.description.startsWith('our development checkpoint of size 0'));
    const note = vector?.input.note as string;
    const block = /### 16\.2[\s\S]*?```text\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(note);
    const publicKey = fromBase64(vector?.input.log.publicKeyB64 as string) as Uint8Array;
    expect(section).toContain(`public key\n\`${vector?.input.log.publicKeyB64 as string}\``);
    expect(section).toContain(`key ID \`${toHex(logKeyId('archon72.invalid/dev', publicKey))}\``);
    const parsed = parseSignedNote(note);
    expect(parseCheckpointBody(parsed.text).treeSize).toBe(0);
    verifyNoteSignature(parsed, { keyName: 'archon72.invalid/dev', publicKey }, verifyEd25519Sodium);
  });

  it('§16.3: the cosignature example is the vector, its message length and line are right, and it verifies', () => {
    const vector = loadVectors<{ noteText: string; timestamp: number }, { publicKeyB64: string; keyIdHex: string; line: string }>('note-cosignature.json').find((v) =>
      v.description.startsWith('witness A cosigns'),
    );
    const { noteText, timestamp } = vector?.input as { noteText: string; timestamp: number };
    const expected = vector?.expected as { publicKeyB64: string; keyIdHex: string; line: string };
    const message = cosignatureMessage(noteText, timestamp);
    expect(section).toContain(`signs the ${message.length} bytes`);
    expect(section).toContain(`\`${`cosignature/v1\ntime ${timestamp}\n${noteText}`.replace(/\n/g, '\\n')}\``);
    expect(section).toContain(`\`${expected.line.trimEnd()}\``);
    expect(section).toContain(`\`${expected.publicKeyB64}\`, key ID \`${expected.keyIdHex}\``);
    const note = parseSignedNote(formatSignedNote(noteText, [expected.line]));
    expect(verifyCosignature(note, { name: 'witness-a.archon72.invalid', publicKey: fromBase64(expected.publicKeyB64) as Uint8Array }, verifyEd25519Sodium).timestamp).toBe(timestamp);
    expect(utf8(noteText).length).toBeLessThan(message.length);
  });
});
