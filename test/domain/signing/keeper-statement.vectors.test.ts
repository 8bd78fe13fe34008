import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verifyEd25519Sodium } from '../../../src/adapters/crypto/sodium-ed25519.js';
import { canonicalize } from '../../../src/domain/chain/canonical-json.js';
import { toHex } from '../../../src/domain/encoding/bytes.js';
import { verifyEd25519Portable, type Ed25519Verify } from '../../../src/domain/signing/ed25519.js';
import {
  keeperStatementMessage,
  parseKeeperStatement,
  parseSignedStatement,
  toSignedStatementJson,
  verifyKeeperQuorum,
  verifySignedStatement,
  type KeeperStatement,
} from '../../../src/domain/signing/keeper-statement.js';
import { Keyring } from '../../../src/domain/signing/keyring.js';
import { expectCode } from '../../support/expect-code.js';
import { errorClassFor, hexBytes, loadVectors, type Vector } from '../load-vectors.js';
import type { PublicKeyRecord } from '../../../src/domain/signing/key.types.js';

interface KeyInput {
  kind: 'key';
  seedHex: string;
  keeperId: string;
  activeFrom: string;
  activeUntil: string | null;
}
interface StatementInput {
  kind: 'statement';
  keeperId: string;
  keyId: string;
  statement: KeeperStatement;
  at: string;
}
interface SignedInput {
  kind: 'signed';
  document: unknown;
  at: string;
}
interface QuorumInput {
  kind: 'quorum';
  documents: unknown[];
  expectedStatement: KeeperStatement;
  at: string;
  quorum: number;
}
type Input = KeyInput | StatementInput | SignedInput | QuorumInput;

const vectors = loadVectors<Input, Record<string, unknown>>('keeper-statement.json');
const ofKind = <K extends Input['kind']>(kind: K) => vectors.filter((v): v is Vector<Extract<Input, { kind: K }>, Record<string, unknown>> => v.input.kind === kind);

const keys: PublicKeyRecord[] = ofKind('key').map((v) => ({
  keyId: v.expected?.keyId as string,
  agentId: v.input.keeperId,
  publicKey: hexBytes(v.expected?.publicKeyHex as string),
  activeFrom: v.input.activeFrom,
  activeUntil: v.input.activeUntil ?? undefined,
}));
const keyring = new Keyring(keys);
const verifiers: Array<[string, Ed25519Verify]> = [
  ['libsodium', verifyEd25519Sodium],
  ['portable', verifyEd25519Portable],
];

describe('test/vectors/keeper-statement.json', () => {
  describe.each(ofKind('statement'))('$description', (v) => {
    it('keeperStatementMessage gives the prefix, 0x00 and the JCS bytes', () => {
      expect(canonicalize(v.input.statement)).toBe(v.expected?.statementCanonical);
      expect(toHex(keeperStatementMessage(v.input.statement))).toBe(v.expected?.messageHex);
    });

    it.each(verifiers)('the document parses, round-trips and verifies (%s)', (_name, verify) => {
      const signed = parseSignedStatement(v.expected?.document);
      expect(toSignedStatementJson(signed)).toEqual(v.expected?.document);
      expect(signed.signature).toBe(v.expected?.signature);
      expect(verifySignedStatement(signed, keyring, v.input.at, verify).keyId).toBe(v.input.keyId);
    });
  });

  describe('the worked example in docs/PROTOCOL.md §14.4', () => {
    it('quotes the first key and the halt clear signed with it as the vectors give them', () => {
      const doc = readFileSync(fileURLToPath(new URL('../../../docs/PROTOCOL.md', import.meta.url)), 'utf8');
      const [key] = ofKind('key');
      const example = ofKind('statement').find((v) => v.input.statement.type === 'halt.clear' && v.input.keeperId === key?.input.keeperId);
      for (const value of [key?.expected?.publicKeyHex, key?.expected?.keyId, example?.expected?.statementCanonical, example?.expected?.signature]) {
        expect(doc).toContain(value as string);
      }
      expect(doc).toContain(`so the message is ${(example?.expected?.messageHex as string).length / 2} bytes`);
    });
  });

  describe.each(ofKind('signed'))('$description', (v) => {
    it.each(verifiers)('gives the expected verdict (%s)', (_name, verify) => {
      const run = () => verifySignedStatement(parseSignedStatement(v.input.document), keyring, v.input.at, verify);
      if (v.expectedError === undefined) expect(run().keyId).toBe(v.expected?.keyId);
      else expectCode(run, errorClassFor(v.expectedError), v.expectedError);
    });
  });

  describe.each(ofKind('quorum'))('$description', (v) => {
    it.each(verifiers)('gives the expected keepers or error (%s)', (_name, verify) => {
      const run = () => verifyKeeperQuorum(v.input.documents.map(parseSignedStatement), parseKeeperStatement(v.input.expectedStatement), keyring, v.input.at, v.input.quorum, verify);
      if (v.expectedError === undefined) expect(run()).toEqual(v.expected?.keepers);
      else expectCode(run, errorClassFor(v.expectedError), v.expectedError);
    });
  });
});
