import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyEd25519Sodium } from '../../src/adapters/crypto/sodium-ed25519.js';
import { canonicalize } from '../../src/domain/chain/canonical-json.js';
import { validatePayload, parseSubmission } from '../../src/domain/chain/validate-submission.js';
import { checkSubmissionWindow } from '../../src/domain/chain/submission-window.js';
import { verifyContentHash, verifyLink } from '../../src/domain/chain/verify-link.js';
import { parseJsonText } from '../../src/domain/encoding/parse-json.js';
import { ChainError, DeliberationError, InputError, SignatureError, WitnessError, type AppError, type ErrorCode, HaltError, MerkleError } from '../../src/domain/errors.js';
import { parseMotion } from '../../src/domain/deliberation/motion.js';
import { parseRoster } from '../../src/domain/deliberation/roster.js';
import { replaySession } from '../../src/domain/deliberation/session-procedure.js';
import { parseSessionOpenStatement } from '../../src/domain/deliberation/session-authorization.js';
import { Keyring } from '../../src/domain/signing/keyring.js';
import { decodeSignature, verifyAgentSignature, verifyWitnessSignature } from '../../src/domain/signing/verify-signatures.js';
import { verifyStoredEvent } from '../../src/domain/verify-stored-event.js';
import { selectWitness } from '../../src/domain/witness/select-witness.js';
import { parseHaltClearStatement, parseHaltTriggerStatement, requireHaltReason } from '../../src/domain/halt/halt-statements.js';
import { parseSignedNote } from '../../src/domain/note/signed-note.js';
import { parseCheckpointBody } from '../../src/domain/note/checkpoint-note.js';
import { parseAddCheckpointRequest } from '../../src/domain/note/add-checkpoint-request.js';
import { verifyNoteSignature } from '../../src/domain/note/verify-note.js';
import { verifyCosignatureQuorum } from '../../src/domain/note/cosignature.js';
import { inclusionProofRanges, verifyInclusion } from '../../src/domain/merkle/inclusion-proof.js';
import { expectCode } from '../support/expect-code.js';
import { chainEventVectors, chainKeys, toStoredEvent } from './load-vectors.js';

const DOMAIN_DIR = fileURLToPath(new URL('../../src/domain/', import.meta.url));

/** Every `code: '…'` literal in src/domain, i.e. every code the domain can throw. */
function codesThrownInDomain(): string[] {
  const files = readdirSync(DOMAIN_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const codes = files.flatMap((f) => [...readFileSync(join(DOMAIN_DIR, f), 'utf8').matchAll(/code: '([A-Z_]+)'/g)].map((m) => m[1] as string));
  return [...new Set(codes)].sort();
}

const keyring = new Keyring(chainKeys());
const [e1, e2] = chainEventVectors().map((v) => toStoredEvent(v.expected?.event ?? (undefined as never))) as [ReturnType<typeof toStoredEvent>, ReturnType<typeof toStoredEvent>];
const agentKey = keyring.get(e2.signingKeyId) ?? (undefined as never);
const witnessKeys = keyring.witnessKeysAt(e2.witnessId, e2.authorityTimestamp);
const AT = e2.authorityTimestamp;

/** One way to produce each code (the focused tests cover every throw site; this table proves none is missed). */
const PRODUCERS: Record<string, [abstract new (...args: never[]) => AppError, () => unknown]> = {
  INPUT_FIELD_INVALID: [InputError, () => parseSubmission({})],
  INPUT_INVALID_JSON: [InputError, () => parseJsonText('{', 'body')],
  INPUT_PAYLOAD_NOT_OBJECT: [InputError, () => validatePayload([])],
  INPUT_PAYLOAD_INVALID: [InputError, () => canonicalize({ n: Number.NaN })],
  INPUT_PAYLOAD_TOO_LARGE: [InputError, () => validatePayload({ a: 'x'.repeat(70_000) })],
  INPUT_TIMESTAMP_OUTSIDE_WINDOW: [InputError, () => checkSubmissionWindow('2026-01-09T12:00:00.000000Z', Date.parse('2026-01-09T13:00:00Z'), 300_000)],
  CHAIN_SEQUENCE_GAP: [ChainError, () => verifyLink(undefined, e2)],
  CHAIN_PREV_HASH_MISMATCH: [ChainError, () => verifyLink(undefined, { ...e1, prevHash: e2.prevHash })],
  CHAIN_CONTENT_HASH_MISMATCH: [ChainError, () => verifyContentHash({ ...e2, contentHash: e1.contentHash })],
  CHAIN_TIMESTAMP_REGRESSION: [ChainError, () => verifyLink(e1, { ...e2, authorityTimestamp: '2026-01-01T00:00:00.000000Z' })],
  SIG_MALFORMED: [SignatureError, () => decodeSignature('', 'signature')],
  SIG_INVALID: [SignatureError, () => verifyAgentSignature({ ...e2, eventType: 'motion.other' }, agentKey, verifyEd25519Sodium)],
  SIG_WITNESS_INVALID: [SignatureError, () => verifyWitnessSignature({ ...e2, contentHash: e1.contentHash }, witnessKeys, verifyEd25519Sodium)],
  SIG_WITNESS_NOT_SELECTED: [SignatureError, () => verifyStoredEvent(e1, { ...e2, witnessId: 'WITNESS:nobody' }, keyring, verifyEd25519Sodium, { allowDevelopmentKeys: true })],
  SIG_DEVELOPMENT_KEY: [SignatureError, () => verifyStoredEvent(undefined, e1, keyring, verifyEd25519Sodium, { allowDevelopmentKeys: false })],
  SIG_KEY_UNKNOWN: [SignatureError, () => keyring.requireSigningKey('dev-nobody', e2.agentId, AT)],
  SIG_KEY_INACTIVE: [SignatureError, () => keyring.requireSigningKey(e2.signingKeyId, e2.agentId, '2099-01-01T00:00:00.000000Z')],
  SIG_KEY_AGENT_MISMATCH: [SignatureError, () => keyring.requireSigningKey(e2.signingKeyId, e1.agentId, AT)],
  WITNESS_POOL_EMPTY: [WitnessError, () => selectWitness([], e2.prevHash, 2)],
  INPUT_NOTE_MALFORMED: [InputError, () => parseSignedNote('no signatures\n')],
  INPUT_CHECKPOINT_MALFORMED: [InputError, () => parseCheckpointBody('origin only\n')],
  INPUT_ADD_CHECKPOINT_MALFORMED: [InputError, () => parseAddCheckpointRequest('old 01\n\ncheckpoint\n')],
  SIG_NOTE_SIGNATURE_MISSING: [SignatureError, () => verifyNoteSignature({ text: 't\n', signatures: [] }, { keyName: 'k', publicKey: new Uint8Array(32) }, verifyEd25519Sodium)],
  SIG_COSIGNATURE_QUORUM_NOT_MET: [SignatureError, () => verifyCosignatureQuorum({ text: 't\n', signatures: [] }, [], 1, verifyEd25519Sodium)],
  MERKLE_RANGE_INVALID: [MerkleError, () => inclusionProofRanges(3, 3)],
  MERKLE_PROOF_INVALID: [MerkleError, () => verifyInclusion(0, 1, new Uint8Array(32), [], new Uint8Array(32).fill(1))],
  HALT_REASON_REQUIRED: [HaltError, () => requireHaltReason('')],
  HALT_CEREMONY_INVALID: [HaltError, () => parseHaltClearStatement({ type: 'halt.other' }, 0)],
  HALT_CEREMONY_EXPIRED: [
    HaltError,
    () => parseHaltTriggerStatement({ type: 'halt.trigger', reason: 'r', issued_at: '2026-01-01T00:00:00.000000Z', expires_at: '2026-01-01T00:10:00.000000Z', nonce: 'ab'.repeat(16) }, Date.parse('2027-01-01T00:00:00Z')),
  ],
  DELIBERATION_MOTION_INVALID: [DeliberationError, () => parseMotion({ title: 't', text: 'x', kind: 'decree', proposer: 'ARCHON:bael' })],
  DELIBERATION_ROSTER_INVALID: [DeliberationError, () => parseRoster([])],
  DELIBERATION_SESSION_CORRUPT: [DeliberationError, () => replaySession([])],
  DELIBERATION_AUTHORIZATION_INVALID: [DeliberationError, () => parseSessionOpenStatement({ statement: { type: 'halt.trigger' }, keeperId: 'KEEPER:a', keyId: 'k', signature: '' }, 0)],
  DELIBERATION_AUTHORIZATION_EXPIRED: [
    DeliberationError,
    () =>
      parseSessionOpenStatement(
        {
          statement: { type: 'conclave.session.open', session_id: '018f3a00-0000-7000-8000-00000000c0de', issued_at: '2026-01-01T00:00:00.000000Z', expires_at: '2026-01-01T00:10:00.000000Z', nonce: 'ab'.repeat(16) },
          keeperId: 'KEEPER:a',
          keyId: 'k',
          signature: '',
        },
        Date.parse('2027-01-01T00:00:00Z'),
      ),
  ],
};

describe('error codes thrown in src/domain', () => {
  it('each has a producer in this table (add one when a new code appears)', () => {
    expect(Object.keys(PRODUCERS).sort()).toEqual(codesThrownInDomain());
  });

  it.each(Object.entries(PRODUCERS))('%s is produced, by the right class', (code, [cls, produce]) => {
    expectCode(produce, cls, code as ErrorCode);
  });
});
